// Wraps a RunStore so that chosen methods (or all) fail, as when the database is down.
import { flaky } from "../../platform/dead-letters/test-support/flaky.ts";
import type { RunStore } from "../../platform/ports.ts";

/** The error every failing method rejects with. */
export class DatabaseDown extends Error {
  constructor(method: string) {
    super(`database down (test): ${method}`);
    this.name = "DatabaseDown";
  }
}

/** A store and the switch that breaks it. */
export interface FlakyRunStore {
  readonly store: RunStore;
  /** Makes `methods` fail, or every method when none is named. */
  fail(...methods: (keyof RunStore)[]): void;
  heal(): void;
}

/**
 * @example
 * const flaky = flakyStore(new MemoryRunStore());
 * flaky.fail("createRun");
 */
export function flakyStore(inner: RunStore): FlakyRunStore {
  const { value, fail, heal } = flaky(inner, (method) => new DatabaseDown(method));
  return { store: value, fail, heal };
}

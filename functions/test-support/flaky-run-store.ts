// Wraps a RunStore so that chosen methods (or all) fail, as when the database is down.
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
  let failing: ReadonlySet<string> | "all" | undefined;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        failing === "all" || failing?.has(String(prop))
          ? Promise.reject(new DatabaseDown(String(prop)))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return {
    store,
    fail: (...methods) => {
      failing = methods.length ? new Set(methods) : "all";
    },
    heal: () => {
      failing = undefined;
    },
  };
}

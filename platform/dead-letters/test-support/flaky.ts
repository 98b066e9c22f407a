// Wraps any port so that chosen methods (or all) reject, as when the service behind it is down.

/** The error every failing method rejects with. */
export class Unavailable extends Error {
  constructor(method: string) {
    super(`unavailable (test): ${method}`);
    this.name = "Unavailable";
  }
}

/** A port and the switch that breaks it. */
export interface Flaky<T> {
  readonly value: T;
  /** Makes `methods` reject, or every method when none is named. */
  fail(...methods: (keyof T & string)[]): void;
  heal(): void;
}

/**
 * @example
 * const journal = flaky<DeadLetterJournal>(new MemoryDeadLetterJournal());
 * journal.fail("append");
 */
export function flaky<T extends object>(
  inner: T,
  error: (method: string) => Error = (method) => new Unavailable(method),
): Flaky<T> {
  let failing: ReadonlySet<string> | "all" | undefined;
  const value = new Proxy(inner, {
    get(target, prop, receiver) {
      const member: unknown = Reflect.get(target, prop, receiver);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) =>
        failing === "all" || failing?.has(String(prop))
          ? Promise.reject(error(String(prop)))
          : (member as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return {
    value,
    fail: (...methods) => {
      failing = methods.length ? new Set(methods) : "all";
    },
    heal: () => {
      failing = undefined;
    },
  };
}

// Opens a dependency in the background, retrying with capped backoff until it works or is stopped.
import type { Logger } from "../log.ts";

/** A dependency being opened: `value` is there once an attempt succeeded. */
export interface Opening<T> {
  /** The opened dependency, or undefined while attempts still fail. */
  readonly value: T | undefined;
  /** Resolves with the dependency once opened; never rejects (stays pending if stopped first). */
  readonly opened: Promise<T>;
  /** Stops retrying and closes the dependency if it was opened (or is, by an attempt in flight). */
  stop(): Promise<void>;
}

export interface KeepOpeningOptions<T> {
  /** What is opened, for the log: `database`. */
  readonly what: string;
  readonly log: Logger;
  /** Releases an opened dependency, on stop. */
  readonly close: (value: T) => Promise<void>;
  /** Wait after the first failure; it doubles with each one (default 250). */
  readonly initialDelayMs?: number;
  /** The longest wait between attempts (default 5,000). */
  readonly maxDelayMs?: number;
}

/**
 * Calls `open` now and again after each failure, waiting `initialDelayMs`, doubled each time up
 * to `maxDelayMs`, forever: a dependency that is down when the process starts (Postgres still
 * booting, say) is what orchestrators restart it for, and a crash loop would only add its own
 * backoff. The first failure is logged, then only a change of error, then the success.
 *
 * @example
 * const store = keepOpening(() => PostgresRunStore.open(options), { what: "database", log, close: (s) => s.close() });
 */
export function keepOpening<T>(open: () => Promise<T>, options: KeepOpeningOptions<T>): Opening<T> {
  const initialDelayMs = options.initialDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const { what, log } = options;
  let value: T | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;
  let failures = 0;
  let lastError: string | undefined;
  let resolveOpened: (value: T) => void = () => {};
  const opened = new Promise<T>((resolve) => {
    resolveOpened = resolve;
  });

  const tryOnce = async (): Promise<void> => {
    try {
      const opening = await open();
      if (stopped) {
        await options.close(opening).catch(() => {});
        return;
      }
      value = opening;
      if (failures > 0) log.info(`${what} open`, { attempts: failures + 1 });
      resolveOpened(opening);
    } catch (error) {
      if (stopped) return;
      failures++;
      const message = error instanceof Error ? error.message : String(error);
      const delayMs = Math.min(initialDelayMs * 2 ** (failures - 1), maxDelayMs);
      if (message !== lastError) {
        log.warn(`${what} not reachable; retrying in the background`, {
          error: message,
          attempt: failures,
          retryInMs: delayMs,
        });
        lastError = message;
      }
      timer = setTimeout(() => {
        attempt = tryOnce();
      }, delayMs);
    }
  };
  attempt = tryOnce();

  return {
    get value() {
      return value;
    },
    opened,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await attempt;
      if (value !== undefined) {
        const opening = value;
        value = undefined;
        await options.close(opening);
      }
    },
  };
}

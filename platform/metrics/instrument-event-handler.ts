// Wraps a CloudEvent handler so that every event it takes is counted and timed.
import { recordConsumed } from "./metrics.ts";

/** Handler results that mean "acknowledged, but the event was refused": counted as invalid. */
const INVALID_RESULTS: ReadonlySet<unknown> = new Set(["invalid", "rejected"]);

/**
 * Returns `handle` counted in `zixly_events_consumed_total` (ok, invalid when it returned
 * "invalid" or "rejected", error when it threw) and timed in `zixly_handler_duration_seconds`.
 * The wrapper resolves to nothing: functions-framework would send a returned value as the
 * response body, and a broker needs only the status.
 */
export function instrumentEventHandler<E extends { readonly type: string }>(
  fn: string,
  handle: (event: E) => Promise<unknown>,
): (event: E) => Promise<void> {
  return async (event) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let result: unknown;
    try {
      result = await handle(event);
    } catch (error) {
      recordConsumed(event.type, fn, "error", seconds());
      throw error;
    }
    recordConsumed(event.type, fn, INVALID_RESULTS.has(result) ? "invalid" : "ok", seconds());
  };
}

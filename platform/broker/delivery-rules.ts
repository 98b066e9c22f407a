// Knative's data-plane delivery rules: which answers are retried, how long to wait, how to dead-letter.
import type { CloudEvent } from "cloudevents";
import type { DeadLetter } from "../ports.ts";
import type { AttemptResult } from "./delivery-attempt.ts";
import type { DeliverySpec } from "./trigger-definitions.ts";

/** What a subscriber's answer means: acknowledged, worth another try, or a final failure. */
export type Verdict = "ack" | "retry" | "fail";

/**
 * The verdict on an HTTP status (Knative data-plane; kncloudevents.SelectiveRetry):
 * - 2xx acknowledges.
 * - 404, 408, 409, 429 and 5xx are retried (a 404 can come from a pod that is not ready yet).
 * - 3xx is an error and is not retried: a redirect would answer the same on every try, and
 *   Knative's SelectiveRetry returns false for 300-399.
 * - 400 and every other 4xx (and 1xx, or anything outside 100-599) fails without a retry.
 * A network error (no status) is retried: see {@link EmbeddedBroker}.
 */
export function verdictFor(status: number): Verdict {
  if (status >= 200 && status < 300) return "ack";
  if (status >= 500 && status < 600) return "retry";
  if (status === 404 || status === 408 || status === 409 || status === 429) return "retry";
  return "fail";
}

/**
 * The wait before retry number `retryIndex` (0 before the first retry). Knative hands
 * go-retryablehttp's 0-based attempt number to its backoff: exponential waits
 * `delay * 2^n` (0.2 s, 0.4 s, 0.8 s, ...), linear waits `delay * n`, so a linear policy
 * retries the first time at once.
 */
export function backoffMs(delivery: DeliverySpec, retryIndex: number): number {
  const delay = delivery.backoffDelayMs;
  return delivery.backoffPolicy === "exponential" ? delay * 2 ** retryIndex : delay * retryIndex;
}

/** How the last try failed, for the dead-letter extensions. */
export interface FailureInfo {
  /** The subscriber that failed (Knative puts its URL here; in process we have its name). */
  readonly destination: string;
  /** The HTTP status of the last answer; unset after a network error. */
  readonly status?: number;
  /** The last answer's body or the error message. */
  readonly data?: string;
}

/** Knative truncates the response body it copies into knativeerrordata to 1 KiB. */
const ERROR_DATA_LIMIT = 1024;

/**
 * A copy of `event` with Knative's dead-letter extensions: `knativeerrordest`,
 * `knativeerrorcode` (the status, when there was an answer) and `knativeerrordata`
 * (the body, base64-encoded, at most 1 KiB before encoding).
 */
export function withErrorExtensions<T>(event: CloudEvent<T>, failure: FailureInfo): CloudEvent<T> {
  const extensions: Record<string, string> = { knativeerrordest: failure.destination };
  if (failure.status !== undefined) extensions.knativeerrorcode = String(failure.status);
  if (failure.data) {
    const bytes = Buffer.from(failure.data, "utf8").subarray(0, ERROR_DATA_LIMIT);
    extensions.knativeerrordata = bytes.toString("base64");
  }
  return event.cloneWith(extensions);
}

/**
 * The dead letter of `event` after its delivery to `subscriber` finally failed with `last`:
 * the event copy carries the Knative error extensions, `reason` says what and how often.
 */
export function deadLetterOf(
  event: CloudEvent<unknown>,
  subscriber: string,
  last: AttemptResult,
  reason: string,
): DeadLetter {
  const failure: FailureInfo =
    "error" in last
      ? { destination: subscriber, data: last.error }
      : { destination: subscriber, status: last.status, data: last.body };
  return {
    eventId: event.id,
    eventSource: event.source,
    eventType: event.type,
    subscriber,
    reason,
    event: withErrorExtensions(event, failure),
  };
}

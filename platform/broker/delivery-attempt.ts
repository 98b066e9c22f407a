// One try of one delivery: what the subscriber answered, or how the call failed.
import type { CloudEvent } from "cloudevents";
import type { ZixlyEvent } from "../../events/cloud-event.ts";

/** What a subscriber answered: the HTTP status, and the event a 2xx answer carried back. */
export interface DeliveryOutcome {
  readonly status: number;
  /** A reply event; it is published back into the broker (Knative: a reply is a new event). */
  readonly reply?: CloudEvent<unknown>;
  /** The answer's body or error text, copied into `knativeerrordata` when dead-lettered. */
  readonly body?: string;
}

/**
 * A function as the broker sees it: an in-process adapter answers 200/202 on success, 500
 * when the handler threw, 400 for a refused event. A thrown error or rejection counts as
 * a network error.
 */
export type Subscriber = (event: ZixlyEvent) => Promise<DeliveryOutcome>;

/** The outcome of one try: an answer, or an error where no answer came. */
export type AttemptResult = DeliveryOutcome | { readonly error: string };

/**
 * Calls `subscriber` once. A throw, a rejection, an answer without a status or no answer
 * within `timeoutMs` (Knative's per-request `timeout`) becomes `{ error }`; it never throws.
 */
export async function attemptDelivery(
  subscriber: Subscriber,
  event: ZixlyEvent,
  timeoutMs?: number,
): Promise<AttemptResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const call = subscriber(event);
    let outcome: DeliveryOutcome;
    if (timeoutMs === undefined) {
      outcome = await call;
    } else {
      call.catch(() => undefined); // a failure after the timeout has nobody left to tell
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      outcome = await Promise.race([call, timeout]);
    }
    if (typeof outcome?.status !== "number")
      return { error: "subscriber answered without a status" };
    return outcome;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

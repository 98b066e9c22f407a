// dead-letters: the Broker's deadLetterSink; keeps each event the broker gave up on, once, for GET /dead-letters.
import type { CloudEventV1 } from "cloudevents";
import type { Logger } from "../../platform/log.ts";
import { recordDeadLetter } from "../../platform/metrics/metrics.ts";
import type { RunStore } from "../../platform/ports.ts";

/** What dead-letters needs. */
export interface DeadLettersDeps {
  readonly store: RunStore;
  readonly log: Logger;
}

export type DeadLetterOutcome = "recorded" | "duplicate";

/** The processed_events source of this function's keys, apart from notify's (source, id) pairs. */
const DEDUPE_SOURCE = "dead-letters";
/** Enough of the subscriber's answer to say why; the whole event is kept beside it. */
const MAX_ERROR_DATA = 1000;

/**
 * Records a dead-lettered event of any type with the extensions Knative adds
 * (`knativeerrordest`, `knativeerrorcode`, `knativeerrordata`: the subscriber's URL, its
 * last status and its base64-encoded answer). A redelivery of the same event for the same
 * subscriber records nothing more. Store faults throw, so the broker tries the sink again;
 * a crash between recording and marking may keep one letter twice, never none.
 */
export async function handleDeadLetter(
  raw: CloudEventV1<unknown>,
  deps: DeadLettersDeps,
): Promise<DeadLetterOutcome> {
  const subscriber = text(raw.knativeerrordest) ?? "unknown";
  const key = JSON.stringify([raw.source, raw.id, subscriber]);
  if (await deps.store.wasProcessed(DEDUPE_SOURCE, key)) return "duplicate";
  const reason = reasonOf(text(raw.knativeerrorcode), text(raw.knativeerrordata));
  await deps.store.recordDeadLetter({
    eventId: raw.id,
    eventSource: raw.source,
    eventType: raw.type,
    subscriber,
    reason,
    event: storable(raw),
  });
  await deps.store.markProcessed(DEDUPE_SOURCE, key);
  recordDeadLetter(subscriber);
  deps.log.warn("dead letter recorded", {
    eventId: raw.id,
    eventSource: raw.source,
    eventType: raw.type,
    subscriber,
    reason,
  });
  return "recorded";
}

/** `<status>: <answer>`, the answer decoded from base64 and cut to one short line. */
export function reasonOf(code: string | undefined, data: string | undefined): string {
  const status = code ?? "no status";
  if (!data) return status;
  const decoded = Buffer.from(data, "base64").toString("utf8").replace(/\s+/g, " ").trim();
  if (!decoded) return status;
  const cut =
    decoded.length > MAX_ERROR_DATA ? `${decoded.slice(0, MAX_ERROR_DATA - 3)}...` : decoded;
  return `${status}: ${cut}`;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== ""
    ? value
    : typeof value === "number"
      ? String(value)
      : undefined;
}

/** The event as JSON: binary data (a non-JSON body) is kept as `data_base64`, as the spec writes it. */
function storable(raw: CloudEventV1<unknown>): Record<string, unknown> {
  const { data, data_base64, ...attributes } = raw as CloudEventV1<unknown> & {
    data_base64?: string;
  };
  if (Buffer.isBuffer(data) || data instanceof Uint8Array)
    return { ...attributes, data_base64: Buffer.from(data).toString("base64") };
  return {
    ...attributes,
    ...(data !== undefined ? { data } : {}),
    ...(data_base64 !== undefined ? { data_base64 } : {}),
  };
}

// dead-letters: the Broker's deadLetterSink; keeps each event the broker gave up on, once, for GET /dead-letters.
import type { CloudEventV1 } from "cloudevents";
import type { DeadLetterJournal } from "../../platform/dead-letters/dead-letter-journal.ts";
import {
  type DeadLetterOutcome,
  recordDeadLetterSafely,
} from "../../platform/dead-letters/record-dead-letter-safely.ts";
import { replayJournal } from "../../platform/dead-letters/replay-journal.ts";
import type { Logger } from "../../platform/log.ts";
import { recordDeadLetter } from "../../platform/metrics/metrics.ts";
import type { DeadLetter, RunStore } from "../../platform/ports.ts";

/** What dead-letters needs. */
export interface DeadLettersDeps {
  readonly store: RunStore;
  /** Where letters wait while the store is down; without one a store fault answers 500. */
  readonly journal?: DeadLetterJournal;
  readonly log: Logger;
}

/** Enough of the subscriber's answer to say why; the whole event is kept beside it. */
const MAX_ERROR_DATA = 1000;

/**
 * Records a dead-lettered event of any type with the extensions Knative adds
 * (`knativeerrordest`, `knativeerrorcode`, `knativeerrordata`: the subscriber's URL, its
 * last status and its base64-encoded answer). A redelivery of the same event for the same
 * subscriber records nothing more. While the store is down the letter goes to the journal
 * (answered 2xx: it is kept); only when both fail does this throw, so the broker tries the
 * sink again. After the store took a letter, journalled ones are moved into it.
 */
export async function handleDeadLetter(
  raw: CloudEventV1<unknown>,
  deps: DeadLettersDeps,
): Promise<DeadLetterOutcome> {
  const letter = letterOf(raw);
  const outcome = await recordDeadLetterSafely(letter, deps);
  if (outcome !== "duplicate") {
    recordDeadLetter(letter.subscriber);
    deps.log.warn(`dead letter ${outcome}`, {
      eventId: letter.eventId,
      eventSource: letter.eventSource,
      eventType: letter.eventType,
      subscriber: letter.subscriber,
      reason: letter.reason,
    });
  }
  // The store just answered, so this is the moment to empty the journal; one count when empty.
  if (outcome !== "journalled" && deps.journal) await replayQuietly(deps.journal, deps);
  return outcome;
}

/** Replays the journal; a fault is logged, never the delivery's failure: the letter is kept. */
async function replayQuietly(
  journal: DeadLetterJournal,
  deps: Pick<DeadLettersDeps, "store" | "log">,
): Promise<void> {
  try {
    const report = await replayJournal(journal, deps.store, { log: deps.log });
    if (report.moved + report.duplicates + report.refused > 0) {
      deps.log.info("journalled dead letters moved into the store", { ...report });
    }
  } catch (error) {
    deps.log.warn("dead-letter journal not replayed", { error: String(error) });
  }
}

/** The letter of a dead-lettered event: who refused it, why, and the event itself. */
function letterOf(raw: CloudEventV1<unknown>): DeadLetter {
  return {
    eventId: raw.id,
    eventSource: raw.source,
    eventType: raw.type,
    subscriber: text(raw.knativeerrordest) ?? "unknown",
    reason: reasonOf(text(raw.knativeerrorcode), text(raw.knativeerrordata)),
    event: storable(raw),
  };
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

// The DeadLetterJournal port: where a dead letter waits, durably, while the run store cannot take it.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { DeadLetter } from "../ports.ts";

/** A letter as the journal hands it back: its stable id and when it was journalled (ISO-8601). */
export interface JournalledLetter {
  readonly id: string;
  readonly letter: DeadLetter;
  readonly journalledAt: string;
}

/**
 * Keeps the dead letters the run store refused until they can be moved into it
 * ({@link replayJournal}). It must not share the dependency that failed: a folder on local
 * disk for the embedded stack, Redis for the dead-letters function (on Knative and compose).
 *
 * `take` leases what it hands out: a taken letter is hidden from every other `take` (of any
 * process sharing the storage) until it is removed or its lease lapses, so concurrent replays
 * do not move the same letter at once, and a replay that dies leaves its letters to the next.
 * Leaves out search, expiry and strict ordering: letters come oldest first as far as the
 * clocks of the writers agree, and nothing is ever dropped.
 */
export interface DeadLetterJournal {
  /**
   * Stores `letter` durably under {@link deadLetterId}; resolves once it is written. False when
   * a letter of that id is journalled already: the first one is kept. What is stored, and so
   * handed back by `take`, is the letter without credentials (redact-letter.ts).
   */
  append(letter: DeadLetter): Promise<boolean>;
  /** Up to `limit` (a whole number >= 1) letters that are not leased, oldest first, leased now. */
  take(limit: number): Promise<JournalledLetter[]>;
  /** Forgets the letters `ids`. Unknown ids are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** How many letters are journalled, leased or not. */
  count(): Promise<number>;
}

/** How long a taken letter stays hidden from other takes: longer than a replay of one batch. */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * The key that tells two dead letters apart: the event (source and id, unique together by the
 * CloudEvents spec) and the subscriber that refused it. Not the reason: a redelivery of the same
 * letter with another status is the same letter. It is also the processed_events id under which
 * dead-letters records that it kept a letter, so the journal and the store agree on identity.
 */
export function deadLetterKey(letter: DeadLetter): string {
  return JSON.stringify([letter.eventSource, letter.eventId, letter.subscriber]);
}

/** The stable id of a letter in a journal: sha256 of {@link deadLetterKey}, in hex. */
export function deadLetterId(letter: DeadLetter): string {
  return createHash("sha256").update(deadLetterKey(letter)).digest("hex");
}

/** Refuses a `take` limit that is not a whole number >= 1; every adapter applies it alike. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  }
}

/** Refuses a lease that is not a whole number of milliseconds >= 1. */
export function checkLease(leaseMs: number): number {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new RangeError(`leaseMs must be a whole number of milliseconds >= 1, got ${leaseMs}`);
  }
  return leaseMs;
}

/** A journalled letter as stored (JSON); `v` lets a later layout tell old entries apart. */
export const JournalEntry = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  journalledAt: z.iso.datetime(),
  letter: z.object({
    eventId: z.string(),
    eventSource: z.string(),
    eventType: z.string(),
    subscriber: z.string(),
    reason: z.string(),
    event: z.unknown(),
  }),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

/**
 * The entry of `letter` at `nowMs`, its event as JSON would keep it (a CloudEvent becomes its
 * attributes and data, as the Postgres store keeps it), so every adapter hands back the same.
 */
export function entryOf(letter: DeadLetter, nowMs: number): JournalEntry {
  return {
    v: 1,
    id: deadLetterId(letter),
    journalledAt: new Date(nowMs).toISOString(),
    letter: {
      eventId: letter.eventId,
      eventSource: letter.eventSource,
      eventType: letter.eventType,
      subscriber: letter.subscriber,
      reason: letter.reason,
      event: JSON.parse(JSON.stringify(letter.event ?? null)) as unknown,
    },
  };
}

/** The entry stored as `text`, or undefined when it is not one (a corrupt or foreign entry). */
export function parseEntry(text: string): JournalEntry | undefined {
  try {
    const parsed = JournalEntry.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What `take` hands out for a stored entry. */
export function journalled(entry: JournalEntry): JournalledLetter {
  return { id: entry.id, letter: entry.letter, journalledAt: entry.journalledAt };
}

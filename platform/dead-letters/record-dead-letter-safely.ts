// Records a dead letter in the run store once, or in the journal when the store is down: lost only if both fail.
import type { Logger } from "../log.ts";
import type { DeadLetter, RunStore } from "../ports.ts";
import { type DeadLetterJournal, deadLetterId, deadLetterKey } from "./dead-letter-journal.ts";
import { redactLetter } from "./redact-letter.ts";

/**
 * What became of a letter: `recorded` in the store, a `duplicate` of one kept before (in the
 * store, or in the journal while the store is down), or `journalled` to be moved in later.
 */
export type DeadLetterOutcome = "recorded" | "duplicate" | "journalled";

/** The store, the journal beside it (none: a store fault throws) and where to say what happened. */
export interface SafeDeadLetterDeps {
  readonly store: RunStore;
  readonly journal?: DeadLetterJournal;
  readonly log: Logger;
}

/**
 * The processed_events source under which a kept letter is marked, apart from notify's
 * (source, id) pairs; the id is {@link deadLetterKey}. dead-letters has always used it.
 */
export const DEAD_LETTER_DEDUPE_SOURCE = "dead-letters";

/** Neither the store nor the journal took the letter: the caller must answer so that it comes again. */
export class DeadLetterNotKept extends Error {
  readonly code = "dead_letter_not_kept";

  constructor(letter: DeadLetter, storeError: unknown, journalError?: unknown) {
    const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
    super(
      journalError === undefined
        ? `dead letter ${letter.eventId} not kept: store: ${why(storeError)}; no journal`
        : `dead letter ${letter.eventId} not kept: store: ${why(storeError)}; journal: ${why(journalError)}`,
      { cause: journalError === undefined ? storeError : [storeError, journalError] },
    );
    this.name = "DeadLetterNotKept";
  }
}

/**
 * Records `letter` in the store unless it was recorded before ({@link recordInStore}); when the
 * store fails, appends it to the journal, from which {@link replayJournal} moves it later.
 * Throws {@link DeadLetterNotKept} only when both fail (or the store fails and there is no
 * journal), so a broker's retry is asked for only when the letter would otherwise be lost.
 * What is kept, in either, is the letter without credentials ({@link redactLetter}).
 *
 * @example
 * // The embedded broker's deadLetter callback:
 * deadLetter: (letter) => recordDeadLetterSafely(letter, { store, journal, log }).then(() => {}),
 */
export async function recordDeadLetterSafely(
  received: DeadLetter,
  deps: SafeDeadLetterDeps,
): Promise<DeadLetterOutcome> {
  const letter = redactLetter(received);
  let storeError: unknown;
  try {
    return await recordInStore(letter, deps.store, deps.log);
  } catch (error) {
    storeError = error;
  }
  const fields = { eventId: letter.eventId, subscriber: letter.subscriber };
  if (!deps.journal) throw new DeadLetterNotKept(letter, storeError);
  try {
    const added = await deps.journal.append(letter);
    deps.log.warn("dead letter journalled: the store is unavailable", {
      ...fields,
      id: deadLetterId(letter),
      error: String(storeError),
    });
    return added ? "journalled" : "duplicate";
  } catch (journalError) {
    deps.log.error("dead letter not kept: the store and the journal both failed", {
      ...fields,
      storeError: String(storeError),
      journalError: String(journalError),
    });
    throw new DeadLetterNotKept(letter, storeError, journalError);
  }
}

/**
 * Records `letter` in the store once per {@link deadLetterKey}: skipped when the key is marked
 * processed, marked after the insert. Throws while the store cannot say whether the letter is
 * there or cannot insert it. Once the insert succeeded the letter is kept, so a failed mark is
 * only logged: the cost is that a redelivery could record it a second time, never none.
 * The store gets the letter without credentials ({@link redactLetter}), journalled or not.
 */
export async function recordInStore(
  received: DeadLetter,
  store: RunStore,
  log: Logger,
): Promise<"recorded" | "duplicate"> {
  const letter = redactLetter(received);
  const key = deadLetterKey(letter);
  if (await store.wasProcessed(DEAD_LETTER_DEDUPE_SOURCE, key)) return "duplicate";
  await store.recordDeadLetter(letter);
  try {
    await store.markProcessed(DEAD_LETTER_DEDUPE_SOURCE, key);
  } catch (error) {
    log.warn("dead letter recorded but not marked: a redelivery may record it again", {
      eventId: letter.eventId,
      subscriber: letter.subscriber,
      error: String(error),
    });
  }
  return "recorded";
}

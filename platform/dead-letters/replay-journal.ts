// Moves journalled dead letters into the run store once it answers again, each exactly once.
import { type Logger, silentLogger } from "../log.ts";
import type { DeadLetter, RunStore } from "../ports.ts";
import type { DeadLetterJournal } from "./dead-letter-journal.ts";
import { recordInStore } from "./record-dead-letter-safely.ts";

/** How much one replay moves, and where it reports a letter the store refused. */
export interface ReplayOptions {
  /** Letters taken per round trip to the journal. Default 100. */
  readonly batchSize?: number;
  /** Letters looked at by one call at most, so a long backlog does not hold one caller. Default 1,000. */
  readonly maxLetters?: number;
  readonly log?: Logger;
}

/** What one replay did. */
export interface ReplayReport {
  /** Letters inserted into the store and removed from the journal. */
  readonly moved: number;
  /** Letters the store had already (a replay that died after its insert): only removed. */
  readonly duplicates: number;
  /** Letters the store refused while it answered; they stay journalled and are retried later. */
  readonly refused: number;
  /** Why it stopped early: the store stopped answering, or it looked at `maxLetters` letters (more may wait). */
  readonly stopped?: "store-unavailable" | "max-letters";
}

/**
 * Where a replay moves letters: the run store ({@link replayJournal}), or any other keeper of
 * letters that can say whether it answers. Nothing but the run store is wired today.
 */
export interface DeadLetterTarget {
  /** Keeps `letter` once: `duplicate` when it was kept before. Throws when it cannot. */
  record(letter: DeadLetter): Promise<"recorded" | "duplicate">;
  /** Whether it answers now; false (or a throw) stops the replay. */
  ping(): Promise<boolean>;
}

/**
 * Moves journalled letters into `store`. Each is recorded through {@link recordInStore}, whose
 * processed_events mark makes a second move of the same letter a no-op, and is removed from the
 * journal only after the store took it: a crash in between leaves it to be moved again, which
 * then finds it marked. Does nothing beyond one `count` when the journal is empty, and takes
 * nothing while the store does not answer its ping, so no letter sits leased for nothing.
 * Journal faults reject; store faults end the replay with `stopped: "store-unavailable"`.
 */
export function replayJournal(
  journal: DeadLetterJournal,
  store: RunStore,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const log = options.log ?? silent;
  return replayJournalInto(
    journal,
    { record: (letter) => recordInStore(letter, store, log), ping: () => store.ping() },
    options,
  );
}

/**
 * {@link replayJournal} into any {@link DeadLetterTarget}. The target must be idempotent per
 * letter (a letter is sent again when the replay dies before removing it); a target that
 * throws while its ping says it answers refuses that letter alone.
 */
export async function replayJournalInto(
  journal: DeadLetterJournal,
  target: DeadLetterTarget,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const batchSize = options.batchSize ?? 100;
  const maxLetters = options.maxLetters ?? 1_000;
  const log = options.log;
  const report = { moved: 0, duplicates: 0, refused: 0 };
  if ((await journal.count()) === 0) return report;
  if (!(await answers(target))) return { ...report, stopped: "store-unavailable" };
  let seen = 0;
  while (seen < maxLetters) {
    const want = Math.min(batchSize, maxLetters - seen);
    const batch = await journal.take(want);
    seen += batch.length;
    const done: string[] = [];
    let storeDown = false;
    try {
      for (const { id, letter } of batch) {
        try {
          const outcome = await target.record(letter);
          if (outcome === "recorded") report.moved++;
          else report.duplicates++;
          done.push(id);
        } catch (error) {
          if (!(await answers(target))) {
            storeDown = true;
            break;
          }
          // The store answers but will not take this one: leave it, move the rest.
          report.refused++;
          log?.error("journalled dead letter refused by the store; it stays journalled", {
            id,
            eventId: letter.eventId,
            subscriber: letter.subscriber,
            error: String(error),
          });
        }
      }
    } finally {
      await journal.remove(done);
    }
    if (storeDown) return { ...report, stopped: "store-unavailable" };
    if (batch.length < want) return report;
  }
  return { ...report, stopped: "max-letters" };
}

async function answers(target: DeadLetterTarget): Promise<boolean> {
  return target.ping().catch(() => false);
}

const silent: Logger = silentLogger();

// Replays a dead-letter journal now and then on a timer, so letters reach the store without a new delivery.
import type { Logger } from "../log.ts";
import type { RunStore } from "../ports.ts";
import type { DeadLetterJournal } from "./dead-letter-journal.ts";
import {
  type DeadLetterTarget,
  type ReplayOptions,
  type ReplayReport,
  replayJournal,
  replayJournalInto,
} from "./replay-journal.ts";

/** How often, and what each replay may do. */
export interface JournalReplayerOptions extends ReplayOptions {
  /** Between the end of one replay and the start of the next. Default 30 s. */
  readonly intervalMs?: number;
  readonly log: Logger;
}

/** A running replayer. */
export interface JournalReplayer {
  /** Replays now (or joins the replay under way) and resolves with its report. */
  runNow(): Promise<ReplayReport | undefined>;
  /** Stops the timer and waits for a replay under way. */
  stop(): Promise<void>;
}

/**
 * Replays `journal` into `into` (the run store, or any {@link DeadLetterTarget}) at once and
 * then every `intervalMs`, never two at a time.
 * The timer does not keep the process alive. Faults are logged, never thrown: the next tick
 * tries again. Moved letters are logged once per replay.
 *
 * @example
 * // The embedded stack, with a journal under DATA_HOME:
 * const journal = await FileDeadLetterJournal.open({ dir: join(config.DATA_HOME, "dead-letters") });
 * const replayer = startJournalReplay(journal, adapters.store, { log });
 * // ... on shutdown, before the store closes:
 * await replayer.stop();
 */
export function startJournalReplay(
  journal: DeadLetterJournal,
  into: RunStore | DeadLetterTarget,
  options: JournalReplayerOptions,
): JournalReplayer {
  // A RunStore is told apart by the method a target does not have.
  const replay = () =>
    "recordDeadLetter" in into
      ? replayJournal(journal, into, options)
      : replayJournalInto(journal, into, options);
  const intervalMs = options.intervalMs ?? 30_000;
  const log = options.log;
  let running: Promise<ReplayReport | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void runNow(), intervalMs);
    timer.unref();
  };
  const runNow = (): Promise<ReplayReport | undefined> => {
    if (running) return running;
    clearTimeout(timer);
    running = replay()
      .then((report) => {
        if (report.moved + report.duplicates + report.refused > 0 || report.stopped) {
          log.info("dead-letter journal replayed", { ...report });
        }
        return report;
      })
      .catch((error: unknown) => {
        log.warn("dead-letter journal not replayed; trying again later", { error: String(error) });
        return undefined;
      })
      .finally(() => {
        running = undefined;
        schedule();
      });
    return running;
  };

  void runNow();
  return {
    runNow,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

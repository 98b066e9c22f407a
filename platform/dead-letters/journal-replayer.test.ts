// startJournalReplay: replays at once and on every tick, survives faults, and stops when told.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../log.ts";
import { MemoryRunStore } from "../memory/memory-run-store.ts";
import { letterFor } from "./dead-letter-journal.contract.ts";
import type { DeadLetterJournal } from "./dead-letter-journal.ts";
import { type JournalReplayer, startJournalReplay } from "./journal-replayer.ts";
import { MemoryDeadLetterJournal } from "./memory-dead-letter-journal.ts";
import { type Flaky, flaky } from "./test-support/flaky.ts";

const INTERVAL_MS = 30_000;

let store: MemoryRunStore;
let journal: Flaky<DeadLetterJournal>;
let warnings: string[];
let log: Logger;
let replayer: JournalReplayer | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  store = new MemoryRunStore();
  journal = flaky<DeadLetterJournal>(new MemoryDeadLetterJournal());
  warnings = [];
  log = {
    debug: () => {},
    info: () => {},
    warn: (m) => void warnings.push(m),
    error: () => {},
    child: () => log,
  };
});
afterEach(async () => {
  await replayer?.stop();
  replayer = undefined;
  vi.useRealTimers();
});

const stored = async () => (await store.deadLetters(10)).map((l) => l.eventId).sort();

describe("startJournalReplay", () => {
  it("replays at once, then again after each interval", async () => {
    await journal.value.append(letterFor("a"));
    replayer = startJournalReplay(journal.value, store, { log, intervalMs: INTERVAL_MS });
    expect(await replayer.runNow()).toMatchObject({ moved: 1 });
    await journal.value.append(letterFor("b"));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(await stored()).toEqual(["a"]);
    // The timer replays on its own: no runNow here.
    await vi.advanceTimersByTimeAsync(1);
    await expect.poll(stored).toEqual(["a", "b"]);
  });

  it("logs a journal fault instead of throwing, and tries again on the next tick", async () => {
    await journal.value.append(letterFor("a"));
    journal.fail();
    replayer = startJournalReplay(journal.value, store, { log, intervalMs: INTERVAL_MS });
    expect(await replayer.runNow()).toBeUndefined();
    expect(warnings).toEqual(["dead-letter journal not replayed; trying again later"]);
    journal.heal();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await expect.poll(stored).toEqual(["a"]);
  });

  it("replays into a DeadLetterTarget as well as into a store", async () => {
    await journal.value.append(letterFor("a"));
    const sent: string[] = [];
    const target = {
      record: async (letter: { eventId: string }) => {
        sent.push(letter.eventId);
        return "recorded" as const;
      },
      ping: async () => true,
    };
    replayer = startJournalReplay(journal.value, target, { log, intervalMs: INTERVAL_MS });
    expect(await replayer.runNow()).toMatchObject({ moved: 1 });
    expect(sent).toEqual(["a"]);
    expect(await stored()).toEqual([]);
  });

  it("replays no more once stopped", async () => {
    replayer = startJournalReplay(journal.value, store, { log, intervalMs: INTERVAL_MS });
    await replayer.stop();
    await journal.value.append(letterFor("a"));
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(await journal.value.count()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

// replayJournal: journalled letters move into the store once it answers, each once, none lost on the way.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../memory/manual-clock.ts";
import { MemoryRunStore } from "../memory/memory-run-store.ts";
import type { RunStore } from "../ports.ts";
import { openTestDatabase, type TestDatabase } from "../postgres/test-database.ts";
import { letterFor } from "./dead-letter-journal.contract.ts";
import { DEFAULT_LEASE_MS, type DeadLetterJournal } from "./dead-letter-journal.ts";
import { MemoryDeadLetterJournal } from "./memory-dead-letter-journal.ts";
import { recordDeadLetterSafely } from "./record-dead-letter-safely.ts";
import { type DeadLetterTarget, replayJournal, replayJournalInto } from "./replay-journal.ts";
import { type Flaky, flaky } from "./test-support/flaky.ts";

const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => log,
};

let memory: MemoryRunStore;
let store: Flaky<RunStore>;
let journal: Flaky<DeadLetterJournal>;
let clock: ManualClock;

beforeEach(() => {
  memory = new MemoryRunStore();
  store = flaky<RunStore>(memory);
  clock = new ManualClock();
  journal = flaky<DeadLetterJournal>(new MemoryDeadLetterJournal({ now: clock.now }));
});

/** Journals `ids` as the wrapper does while the store is down. */
async function journalWhileDown(...ids: string[]): Promise<void> {
  store.fail();
  for (const id of ids) {
    await recordDeadLetterSafely(letterFor(id), {
      store: store.value,
      journal: journal.value,
      log,
    });
  }
  store.heal();
}

describe("replayJournal", () => {
  it("does nothing but count when the journal is empty", async () => {
    journal.fail("take", "remove");
    store.fail();
    expect(await replayJournal(journal.value, store.value)).toEqual({
      moved: 0,
      duplicates: 0,
      refused: 0,
    });
  });

  it("moves every letter into the store, in batches, and empties the journal", async () => {
    await journalWhileDown("a", "b", "c", "d", "e");
    expect(await replayJournal(journal.value, store.value, { batchSize: 2 })).toEqual({
      moved: 5,
      duplicates: 0,
      refused: 0,
    });
    expect((await memory.deadLetters(10)).map((l) => l.eventId).sort()).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(await journal.value.count()).toBe(0);
  });

  it("moves a letter twice without keeping it twice: the second move only removes it", async () => {
    await journalWhileDown("a");
    journal.fail("remove");
    await expect(replayJournal(journal.value, store.value)).rejects.toThrow(/remove/);
    journal.heal();
    expect(await memory.deadLetters(10)).toHaveLength(1);
    // The letter stays leased to the replay that failed until the lease lapses.
    expect(await replayJournal(journal.value, store.value)).toMatchObject({
      moved: 0,
      duplicates: 0,
    });
    clock.advance(DEFAULT_LEASE_MS);
    expect(await replayJournal(journal.value, store.value)).toEqual({
      moved: 0,
      duplicates: 1,
      refused: 0,
    });
    expect(await memory.deadLetters(10)).toHaveLength(1);
    expect(await journal.value.count()).toBe(0);
  });

  it("takes nothing while the store does not answer, and leaves every letter for later", async () => {
    await journalWhileDown("a", "b");
    store.fail();
    expect(await replayJournal(journal.value, store.value)).toMatchObject({
      moved: 0,
      stopped: "store-unavailable",
    });
    store.heal();
    expect(await replayJournal(journal.value, store.value)).toMatchObject({ moved: 2 });
  });

  it("stops when the store goes down mid-replay, keeping what it could not move", async () => {
    await journalWhileDown("a", "b");
    store.fail("wasProcessed", "ping");
    // ping answers the first check only: fail it after the replay has begun.
    let pings = 0;
    const halfDown = new Proxy(store.value, {
      get(target, prop, receiver) {
        if (prop === "ping") return async () => ++pings === 1;
        return Reflect.get(target, prop, receiver);
      },
    });
    expect(await replayJournal(journal.value, halfDown)).toEqual({
      moved: 0,
      duplicates: 0,
      refused: 0,
      stopped: "store-unavailable",
    });
    expect(await journal.value.count()).toBe(2);
  });

  it("skips a letter the answering store refuses, moves the rest, and keeps the refused one", async () => {
    await journalWhileDown("poison", "b");
    const refusing = new Proxy(memory, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "recordDeadLetter")
          return typeof value === "function" ? value.bind(target) : value;
        return async (letter: { eventId: string }) => {
          if (letter.eventId === "poison") throw new Error("unsupported Unicode escape sequence");
          return memory.recordDeadLetter(letter as never);
        };
      },
    });
    expect(await replayJournal(journal.value, refusing)).toEqual({
      moved: 1,
      duplicates: 0,
      refused: 1,
    });
    expect(await journal.value.count()).toBe(1);
    expect((await memory.deadLetters(10)).map((l) => l.eventId)).toEqual(["b"]);
  });

  it("looks at no more than maxLetters letters per call", async () => {
    await journalWhileDown("a", "b", "c");
    expect(await replayJournal(journal.value, store.value, { maxLetters: 2 })).toEqual({
      moved: 2,
      duplicates: 0,
      refused: 0,
      stopped: "max-letters",
    });
    expect(await journal.value.count()).toBe(1);
  });
});

describe("replayJournalInto", () => {
  it("moves letters into any target, such as the dead-letters Service over HTTP, and stops while it is down", async () => {
    await journalWhileDown("a", "b");
    const kept = new Set<string>();
    let up = false;
    const target: DeadLetterTarget = {
      record: async (letter) => {
        if (!up) throw new Error("503");
        if (kept.has(letter.eventId)) return "duplicate";
        kept.add(letter.eventId);
        return "recorded";
      },
      ping: async () => up,
    };
    expect(await replayJournalInto(journal.value, target)).toMatchObject({
      moved: 0,
      stopped: "store-unavailable",
    });
    up = true;
    expect(await replayJournalInto(journal.value, target)).toEqual({
      moved: 2,
      duplicates: 0,
      refused: 0,
    });
    expect([...kept].sort()).toEqual(["a", "b"]);
    expect(await journal.value.count()).toBe(0);
  });
});

describe("replayJournal into Postgres (PGlite without DATABASE_URL)", () => {
  let database: TestDatabase;
  let pg: RunStore;
  // One database for the file: starting PGlite takes seconds.
  beforeAll(async () => {
    database = await openTestDatabase(process.env.DATABASE_URL);
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    pg = (await database.freshStore()).store;
  });

  it("moves journalled letters in once, and a redelivery afterwards finds them recorded", async () => {
    const memoryJournal = new MemoryDeadLetterJournal();
    const down = flaky<RunStore>(pg);
    down.fail();
    const deps = { store: down.value, journal: memoryJournal, log };
    expect(await recordDeadLetterSafely(letterFor("a"), deps)).toBe("journalled");
    expect(await recordDeadLetterSafely(letterFor("b"), deps)).toBe("journalled");
    down.heal();
    expect(await replayJournal(memoryJournal, pg)).toMatchObject({ moved: 2, duplicates: 0 });
    expect(await replayJournal(memoryJournal, pg)).toMatchObject({ moved: 0, duplicates: 0 });
    expect(await recordDeadLetterSafely(letterFor("a"), deps)).toBe("duplicate");
    const letters = await pg.deadLetters(10);
    expect(letters.map((l) => l.eventId).sort()).toEqual(["a", "b"]);
    expect(letters.find((l) => l.eventId === "a")).toMatchObject(letterFor("a"));
  });
});

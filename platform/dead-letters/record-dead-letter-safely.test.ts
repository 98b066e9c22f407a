// recordDeadLetterSafely: the store first, the journal when the store fails, an error only when both do.
import { beforeEach, describe, expect, it } from "vitest";
import { type Logger, silentLogger } from "../log.ts";
import { MemoryRunStore } from "../memory/memory-run-store.ts";
import type { RunStore } from "../ports.ts";
import { letterFor } from "./dead-letter-journal.contract.ts";
import { type DeadLetterJournal, deadLetterId, deadLetterKey } from "./dead-letter-journal.ts";
import { MemoryDeadLetterJournal } from "./memory-dead-letter-journal.ts";
import {
  DEAD_LETTER_DEDUPE_SOURCE,
  DeadLetterNotKept,
  recordDeadLetterSafely,
} from "./record-dead-letter-safely.ts";
import { type Flaky, flaky, Unavailable } from "./test-support/flaky.ts";

const log: Logger = silentLogger();

let memory: MemoryRunStore;
let store: Flaky<RunStore>;
let journal: Flaky<DeadLetterJournal>;
let deps: { store: RunStore; journal: DeadLetterJournal; log: Logger };

beforeEach(() => {
  memory = new MemoryRunStore();
  store = flaky<RunStore>(memory);
  journal = flaky<DeadLetterJournal>(new MemoryDeadLetterJournal());
  deps = { store: store.value, journal: journal.value, log };
});

describe("recordDeadLetterSafely", () => {
  it("records in the store, marks the letter processed, and leaves the journal alone", async () => {
    const letter = letterFor("e-1");
    expect(await recordDeadLetterSafely(letter, deps)).toBe("recorded");
    expect(await memory.deadLetters(10)).toMatchObject([{ eventId: "e-1" }]);
    expect(await memory.wasProcessed(DEAD_LETTER_DEDUPE_SOURCE, deadLetterKey(letter))).toBe(true);
    expect(await journal.value.count()).toBe(0);
  });

  it("records a letter once however often it comes", async () => {
    expect(await recordDeadLetterSafely(letterFor("e-1"), deps)).toBe("recorded");
    expect(await recordDeadLetterSafely(letterFor("e-1", { reason: "503" }), deps)).toBe(
      "duplicate",
    );
    expect(await memory.deadLetters(10)).toHaveLength(1);
  });

  it("keeps no credentials in the store nor in the journal", async () => {
    const secretLetter = (id: string) =>
      letterFor(id, {
        reason: "500: POST http://u:pa55word@h/cb?token=t0ken-value failed",
        event: { id, data: { callbackUrl: "https://u:pa55word@h/cb?token=t0ken-value" } },
      });
    expect(await recordDeadLetterSafely(secretLetter("e-1"), deps)).toBe("recorded");
    store.fail();
    expect(await recordDeadLetterSafely(secretLetter("e-2"), deps)).toBe("journalled");
    store.heal();
    const kept = JSON.stringify([await memory.deadLetters(10), await journal.value.take(10)]);
    expect(kept).toContain("https://***@h/cb?token=***");
    expect(kept).not.toMatch(/pa55word|t0ken-value/);
    // The same letter with its secrets is still the same letter: recorded once.
    expect(await recordDeadLetterSafely(secretLetter("e-1"), deps)).toBe("duplicate");
  });

  it("journals the letter when the store is down, once", async () => {
    store.fail();
    const letter = letterFor("e-1");
    expect(await recordDeadLetterSafely(letter, deps)).toBe("journalled");
    expect(await recordDeadLetterSafely(letter, deps)).toBe("duplicate");
    expect((await journal.value.take(10)).map((t) => t.id)).toEqual([deadLetterId(letter)]);
    store.heal();
    expect(await memory.deadLetters(10)).toEqual([]);
  });

  it("journals the letter when the insert fails after the store answered the lookup", async () => {
    store.fail("recordDeadLetter");
    expect(await recordDeadLetterSafely(letterFor("e-1"), deps)).toBe("journalled");
    expect(await journal.value.count()).toBe(1);
  });

  it("counts the letter recorded when only the processed mark fails", async () => {
    store.fail("markProcessed");
    expect(await recordDeadLetterSafely(letterFor("e-1"), deps)).toBe("recorded");
    expect(await memory.deadLetters(10)).toHaveLength(1);
    expect(await journal.value.count()).toBe(0);
  });

  it("throws DeadLetterNotKept, with both causes, only when the store and the journal fail", async () => {
    store.fail();
    journal.fail();
    const error = await recordDeadLetterSafely(letterFor("e-1"), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterNotKept);
    expect((error as DeadLetterNotKept).code).toBe("dead_letter_not_kept");
    const causes = (error as Error).cause as unknown[];
    expect(causes.map((c) => (c as Error).message)).toEqual([
      "unavailable (test): wasProcessed",
      "unavailable (test): append",
    ]);
  });

  it("throws DeadLetterNotKept when the store fails and there is no journal", async () => {
    store.fail();
    const error = await recordDeadLetterSafely(letterFor("e-1"), { store: store.value, log }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeadLetterNotKept);
    expect((error as Error).cause).toBeInstanceOf(Unavailable);
  });
});

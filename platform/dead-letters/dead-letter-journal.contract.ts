// The cases every DeadLetterJournal adapter must pass; each adapter's test file runs them against its own make.
import { CloudEvent } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../memory/manual-clock.ts";
import type { DeadLetter } from "../ports.ts";
import { type DeadLetterJournal, deadLetterId } from "./dead-letter-journal.ts";

/** What the contract asks of an adapter: its lease and the clock it must read. */
export interface JournalSettings {
  readonly leaseMs: number;
  readonly now: () => number;
}

/** One fresh, empty journal. */
export interface DeadLetterJournalHarness {
  readonly journal: DeadLetterJournal;
  /** Another journal over the same storage, as after a restart; only for durable adapters. */
  reopen?(): Promise<DeadLetterJournal>;
  /** Releases the journal and removes whatever it stored. */
  close(): Promise<void>;
}

const LEASE_MS = 1_000;

/** A dead letter of event `id`; `over` changes any field. */
export function letterFor(id: string, over: Partial<DeadLetter> = {}): DeadLetter {
  return {
    eventId: id,
    eventSource: "/zixly/backtest-job",
    eventType: "com.zixly.backtest.shard.failed.v1",
    subscriber: "http://record-result.zixly.svc.cluster.local",
    reason: "500: database down",
    event: { id, data: { runId: "r-1", note: "naïve ✓ \u2028" } },
    ...over,
  };
}

/**
 * Registers the shared DeadLetterJournal cases under `name`. `make` is called before each case
 * with the lease and the clock to use, and must return a journal that holds nothing. A
 * `durable` adapter (the default) must also give the harness `reopen`.
 */
export function runDeadLetterJournalContract(
  name: string,
  make: (settings: JournalSettings) => Promise<DeadLetterJournalHarness>,
  { durable = true }: { durable?: boolean } = {},
): void {
  describe(`DeadLetterJournal contract: ${name}`, () => {
    let clock: ManualClock;
    let h: DeadLetterJournalHarness;
    let journal: DeadLetterJournal;
    // Closed by the teardown beforeEach returns: only a harness that was made, and only once.
    beforeEach(async () => {
      clock = new ManualClock();
      const made = await make({ leaseMs: LEASE_MS, now: clock.now });
      h = made;
      journal = h.journal;
      return () => made.close();
    });

    const ids = (taken: { id: string }[]) => taken.map((t) => t.id);

    it("holds nothing at first", async () => {
      expect(await journal.count()).toBe(0);
      expect(await journal.take(10)).toEqual([]);
    });

    it("hands a letter back whole, under its stable id, with when it was journalled", async () => {
      const letter = letterFor("e-1");
      expect(await journal.append(letter)).toBe(true);
      expect(await journal.take(10)).toEqual([
        { id: deadLetterId(letter), letter, journalledAt: new Date(clock.now()).toISOString() },
      ]);
    });

    it("keeps a CloudEvent as its JSON form, and a missing event as null", async () => {
      const event = new CloudEvent({
        id: "e-ce",
        source: "/zixly/ingest-webhook",
        type: "com.zixly.backtest.requested.v1",
        data: { runId: "r-2" },
        knativeerrorcode: "503",
      });
      await journal.append(letterFor("e-ce", { event }));
      await journal.append(letterFor("e-none", { event: undefined }));
      const taken = await journal.take(10);
      expect(taken.map((t) => t.letter.event)).toEqual([JSON.parse(JSON.stringify(event)), null]);
    });

    it("keeps no credentials: a callback URL's userinfo and query values are stored as ***", async () => {
      const callbackUrl = "http://user:pa55word@127.0.0.1:9/cb?token=t0ken-value";
      const letter = letterFor("e-secret", {
        reason: `500: callback to ${callbackUrl} failed`,
        event: { id: "e-secret", data: { runId: "r-3", callbackUrl } },
      });
      await journal.append(letter);
      const [taken] = await journal.take(10);
      const kept = JSON.stringify(taken);
      expect(kept).not.toContain("pa55word");
      expect(kept).not.toContain("t0ken-value");
      expect(taken?.letter.event).toEqual({
        id: "e-secret",
        data: { runId: "r-3", callbackUrl: "http://***@127.0.0.1:9/cb?token=***" },
      });
      expect(taken?.id).toBe(deadLetterId(taken!.letter));
    });

    it("keeps the first of two letters with one id: the same event refused by the same subscriber", async () => {
      expect(await journal.append(letterFor("e-1"))).toBe(true);
      expect(await journal.append(letterFor("e-1", { reason: "503: later" }))).toBe(false);
      expect(await journal.count()).toBe(1);
      expect((await journal.take(10)).map((t) => t.letter.reason)).toEqual(["500: database down"]);
    });

    it("tells letters apart by event source, event id and subscriber", async () => {
      await journal.append(letterFor("e-1"));
      await journal.append(letterFor("e-2"));
      await journal.append(letterFor("e-1", { eventSource: "/elsewhere" }));
      await journal.append(letterFor("e-1", { subscriber: "notify" }));
      expect(await journal.count()).toBe(4);
    });

    it("keeps one letter of many concurrent appends of it", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => journal.append(letterFor("e-1"))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await journal.count()).toBe(1);
    });

    it("hands letters out oldest first, at most `limit` at a time", async () => {
      for (const id of ["a", "b", "c"]) {
        await journal.append(letterFor(id));
        clock.advance(1);
      }
      expect((await journal.take(2)).map((t) => t.letter.eventId)).toEqual(["a", "b"]);
      expect((await journal.take(2)).map((t) => t.letter.eventId)).toEqual(["c"]);
      expect(await journal.take(2)).toEqual([]);
    });

    it("hides a taken letter from other takes until its lease lapses", async () => {
      await journal.append(letterFor("a"));
      const [first] = await journal.take(10);
      expect(await journal.take(10)).toEqual([]);
      clock.advance(LEASE_MS - 1);
      expect(await journal.take(10)).toEqual([]);
      clock.advance(1);
      expect(ids(await journal.take(10))).toEqual([first!.id]);
    });

    it("counts taken letters until they are removed", async () => {
      await journal.append(letterFor("a"));
      await journal.append(letterFor("b"));
      await journal.take(1);
      expect(await journal.count()).toBe(2);
    });

    it("forgets removed letters, ignores unknown ids, and takes a removed letter again", async () => {
      await journal.append(letterFor("a"));
      clock.advance(1);
      await journal.append(letterFor("b"));
      const [a] = await journal.take(1);
      await journal.remove([a!.id, "0".repeat(64)]);
      await journal.remove([]);
      expect(await journal.count()).toBe(1);
      expect((await journal.take(10)).map((t) => t.letter.eventId)).toEqual(["b"]);
      expect(await journal.append(letterFor("a"))).toBe(true);
    });

    it("never hands one letter to two concurrent takes", async () => {
      for (let i = 0; i < 10; i++) await journal.append(letterFor(`e-${i}`));
      const taken = (await Promise.all(Array.from({ length: 5 }, () => journal.take(3)))).flat();
      expect(taken).toHaveLength(10);
      expect(new Set(ids(taken)).size).toBe(10);
    });

    it("refuses a limit that is not a whole number >= 1", async () => {
      await journal.append(letterFor("a"));
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await expect(journal.take(limit)).rejects.toThrow(RangeError);
      }
      expect(await journal.take(1)).toHaveLength(1);
    });

    it.runIf(durable)("keeps its letters for the next instance over the same storage", async () => {
      await journal.append(letterFor("a"));
      const again = await h.reopen!();
      expect(await again.count()).toBe(1);
      expect((await again.take(10)).map((t) => t.letter.eventId)).toEqual(["a"]);
    });
  });
}

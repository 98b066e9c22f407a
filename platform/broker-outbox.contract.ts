// The cases every BrokerOutbox adapter must pass; each adapter's test file runs them against its own make.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BrokerOutbox } from "./ports.ts";

/** One empty outbox and a way to let it go. */
export interface BrokerOutboxHarness {
  readonly outbox: BrokerOutbox;
  close(): Promise<void>;
}

const event = (id: string, data: unknown = { n: 1 }) => ({
  specversion: "1.0",
  id,
  source: "/zixly/test",
  type: "com.zixly.backtest.failed.v1",
  data,
});

/** Registers the shared BrokerOutbox cases under `name`; `make` returns an empty outbox. */
export function runBrokerOutboxContract(
  name: string,
  make: () => Promise<BrokerOutboxHarness>,
): void {
  describe(`BrokerOutbox contract: ${name}`, () => {
    let h: BrokerOutboxHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h?.close();
    });

    it("stores one delivery per Trigger and gives them back, oldest first", async () => {
      const stored = await h.outbox.append(event("e1"), ["a", "b"]);
      expect(stored.map((d) => [d.trigger, d.attempts])).toEqual([
        ["a", 0],
        ["b", 0],
      ]);
      await h.outbox.append(event("e2"), ["a"]);
      const pending = await h.outbox.pending(10);
      expect(pending.map((d) => [d.trigger, d.event.id])).toEqual([
        ["a", "e1"],
        ["b", "e1"],
        ["a", "e2"],
      ]);
      expect(pending[0]?.id).toBe(stored[0]?.id);
      expect(pending[0]?.event).toEqual(event("e1"));
    });

    it("does not store a pending delivery of the same event to the same Trigger twice", async () => {
      await h.outbox.append(event("e1"), ["a"]);
      const again = await h.outbox.append(event("e1", { n: 2 }), ["a", "b"]);
      expect(again.map((d) => d.trigger)).toEqual(["b"]);
      expect(await h.outbox.pending(10)).toHaveLength(2);
    });

    it("stores an event again once its earlier delivery completed", async () => {
      const [first] = await h.outbox.append(event("e1"), ["a"]);
      await h.outbox.complete(first!.id);
      expect(await h.outbox.append(event("e1"), ["a"])).toHaveLength(1);
    });

    it("forgets a completed delivery and ignores an unknown id", async () => {
      const stored = await h.outbox.append(event("e1"), ["a", "b"]);
      await h.outbox.complete(stored[0]!.id);
      await h.outbox.complete(999_999);
      expect((await h.outbox.pending(10)).map((d) => d.trigger)).toEqual(["b"]);
    });

    it("keeps the failed attempts of a delivery", async () => {
      const [d] = await h.outbox.append(event("e1"), ["a"]);
      await h.outbox.recordAttempt(d!.id, 3);
      expect((await h.outbox.pending(10))[0]?.attempts).toBe(3);
    });

    it("pages pending deliveries with limit", async () => {
      for (let i = 0; i < 5; i++) await h.outbox.append(event(`e${i}`), ["a"]);
      expect((await h.outbox.pending(2)).map((d) => d.event.id)).toEqual(["e0", "e1"]);
    });

    it("pages by id: the page after a delivery's id starts at the next one", async () => {
      const stored = [];
      for (let i = 0; i < 5; i++) stored.push(...(await h.outbox.append(event(`e${i}`), ["a"])));
      await h.outbox.complete(stored[2]!.id);
      const page = await h.outbox.pending(2, stored[1]!.id);
      expect(page.map((d) => d.event.id)).toEqual(["e3", "e4"]);
    });

    it("keeps strings that Postgres text cannot hold raw: NUL and lone surrogates", async () => {
      const awkward = { label: "a\u0000b", lone: "x\ud800y", low: "\udc00", pair: "😀" };
      await h.outbox.append(event("e1", awkward), ["a"]);
      expect((await h.outbox.pending(1))[0]?.event.data).toEqual(awkward);
    });

    it("appends nothing for no Trigger", async () => {
      expect(await h.outbox.append(event("e1"), [])).toEqual([]);
      expect(await h.outbox.pending(10)).toEqual([]);
    });
  });
}

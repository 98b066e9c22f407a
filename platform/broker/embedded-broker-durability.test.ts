// Proves the broker's outbox and spool: a delivery survives a restart, an outage of the outbox, and a duplicate publish.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryBrokerOutbox } from "../memory/memory-broker-outbox.ts";
import type { BrokerOutbox } from "../ports.ts";
import type { Subscriber } from "./embedded-broker.ts";
import { EventSpool } from "./event-spool.ts";
import { deferred, runFailedEvent, scripted } from "./test-support/fixtures.ts";
import { FAILED, setup } from "./test-support/setup-broker.ts";

/** An outbox whose every call fails while `down` is set, as Postgres does when stopped. */
function flaky(inner: BrokerOutbox = new MemoryBrokerOutbox()) {
  const state = { down: false };
  const guard =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (state.down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return f(...a);
    };
  const outbox: BrokerOutbox = {
    append: guard((e, t) => inner.append(e, t)),
    pending: guard((l, a) => inner.pending(l, a)),
    recordAttempt: guard((i, a) => inner.recordAttempt(i, a)),
    complete: guard((i) => inner.complete(i)),
  };
  return { outbox, inner, state };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const spoolDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "zixly-spool-"));
  dirs.push(dir);
  return dir;
};

describe("EmbeddedBroker outbox", () => {
  it("stores the delivery before publish resolves and forgets it once delivered", async () => {
    const outbox = new MemoryBrokerOutbox();
    const gate = deferred();
    const slow: Subscriber = async () => {
      await gate.promise;
      return { status: 202 };
    };
    const { broker } = setup([[FAILED, "slow"]], { slow }, { outbox });
    await broker.publish(runFailedEvent());
    expect((await outbox.pending(10)).map((d) => d.event.id)).toEqual(["run-failed-1"]);
    gate.resolve();
    expect(await broker.drain(1000)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(await outbox.pending(10)).toEqual([]);
  });

  it("redelivers after a restart what the stopped broker had not delivered, with its tries counted", async () => {
    const outbox = new MemoryBrokerOutbox();
    const failing = scripted(503);
    const first = setup([[FAILED, "a"]], { a: failing.subscriber }, { outbox, sleep: undefined });
    await first.broker.publish(runFailedEvent());
    // The first try fails and the retry waits 200 ms; the broker stops during the wait.
    await new Promise((r) => setTimeout(r, 50));
    expect(await first.broker.close(10)).toBe(false);
    expect(first.broker.stats()).toMatchObject({ left: 1, dropped: 0 });
    expect((await outbox.pending(10))[0]?.attempts).toBe(1);

    const ok = scripted(202);
    const second = setup([[FAILED, "a"]], { a: ok.subscriber }, { outbox });
    expect(await second.broker.recover()).toBe(1);
    expect(await second.broker.drain(1000)).toBe(true);
    expect(ok.calls.map((e) => e.id)).toEqual(["run-failed-1"]);
    await new Promise((r) => setImmediate(r));
    expect(await outbox.pending(10)).toEqual([]);
  });

  it("takes up every stored delivery, page after page", async () => {
    const outbox = new MemoryBrokerOutbox();
    for (let i = 0; i < 5; i++)
      await outbox.append(runFailedEvent(`e${i}`).toJSON() as Record<string, unknown>, ["t0"]);
    const a = scripted(202);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber }, { outbox });
    expect(await broker.recover(2)).toBe(5);
    await broker.drain(1000);
    expect(a.calls.map((e) => e.id)).toEqual(["e0", "e1", "e2", "e3", "e4"]);
  });

  it("continues a redelivered delivery's retries from the stored count, not from zero", async () => {
    const outbox = new MemoryBrokerOutbox();
    const [d] = await outbox.append(runFailedEvent().toJSON() as Record<string, unknown>, ["t0"]);
    await outbox.recordAttempt(d!.id, 3);
    const failing = scripted(500);
    const { broker, letters } = setup([[FAILED, "a"]], { a: failing.subscriber }, { outbox });
    await broker.recover();
    await broker.drain(1000);
    // RETRY_3 allows 4 tries; 3 were spent before the restart.
    expect(failing.calls).toHaveLength(1);
    expect(letters[0]?.reason).toBe("500 after 4 attempts");
  });

  it("does not deliver twice an event published again while its delivery is pending", async () => {
    const a = scripted(202);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber });
    await broker.publish(runFailedEvent());
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(a.calls).toHaveLength(1);
  });

  it("refuses with 503 when the outbox is down and there is no spool: nothing accepted", async () => {
    const { outbox, state } = flaky();
    state.down = true;
    const a = scripted(202);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber }, { outbox });
    await expect(broker.publish(runFailedEvent())).rejects.toMatchObject({ status: 503 });
    expect(broker.stats().accepted).toBe(0);
  });

  it("retries recording the end of a delivery that the outbox missed, so a restart does not redeliver it", async () => {
    const { outbox, inner, state } = flaky();
    const a: Subscriber = async () => {
      state.down = true;
      return { status: 202 };
    };
    const { broker } = setup([[FAILED, "a"]], { a }, { outbox, outboxRetryMs: 20 });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(await inner.pending(10)).toHaveLength(1);
    state.down = false;
    await new Promise((r) => setTimeout(r, 100));
    expect(await inner.pending(10)).toEqual([]);
  });
});

describe("EmbeddedBroker spool", () => {
  it("accepts into the spool while the outbox is down and delivers once it is back", async () => {
    const { outbox, inner, state } = flaky();
    const spool = new EventSpool(spoolDir());
    const a = scripted(202);
    const { broker } = setup(
      [[FAILED, "a"]],
      { a: a.subscriber },
      { outbox, spool, outboxRetryMs: 20 },
    );
    state.down = true;
    await broker.publish(runFailedEvent("e1"));
    await broker.publish(runFailedEvent("e2"));
    expect(spool.size()).toBe(2);
    expect(broker.stats()).toMatchObject({ spooled: 2, delivered: 0 });
    await new Promise((r) => setTimeout(r, 80));
    expect(a.calls).toHaveLength(0);
    state.down = false;
    for (let i = 0; i < 50 && a.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await broker.drain(1000);
    expect(a.calls.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(spool.size()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(await inner.pending(10)).toEqual([]);
  });

  it("moves a spool left by a stopped process into the outbox on recover", async () => {
    const dir = spoolDir();
    await new EventSpool(dir).write(runFailedEvent("left").toJSON() as Record<string, unknown>);
    const a = scripted(202);
    const { broker } = setup(
      [[FAILED, "a"]],
      { a: a.subscriber },
      {
        spool: new EventSpool(dir),
        outboxRetryMs: 20,
      },
    );
    await broker.recover();
    for (let i = 0; i < 50 && a.calls.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.calls.map((e) => e.id)).toEqual(["left"]);
  });

  it("sets aside a spooled event that is no longer valid instead of blocking the ones after it", async () => {
    const dir = spoolDir();
    const spool = new EventSpool(dir);
    const invalid = { ...(runFailedEvent("broken").toJSON() as Record<string, unknown>), data: {} };
    await spool.write(invalid);
    await spool.write(runFailedEvent("after").toJSON() as Record<string, unknown>);
    const a = scripted(202);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber }, { spool, outboxRetryMs: 20 });
    await broker.recover();
    for (let i = 0; i < 50 && a.calls.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.calls.map((e) => e.id)).toEqual(["after"]);
    expect(spool.size()).toBe(0);
    expect(readdirSync(dir).filter((n) => n.endsWith(".bad"))).toHaveLength(1);
  });
});

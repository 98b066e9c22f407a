// Proves the embedded broker with the knative/base files, replies, drain, close and the concurrency cap.
import { describe, expect, it } from "vitest";
import { PublishError } from "../../events/publisher.ts";
import { backoffMs } from "./delivery-rules.ts";
import type { Subscriber } from "./embedded-broker.ts";
import {
  deferred,
  progressEvent,
  runFailedEvent,
  scripted,
  shardFailedEvent,
} from "./test-support/fixtures.ts";
import { FAILED, PROGRESS, setup } from "./test-support/setup-broker.ts";
import {
  type DeliverySpec,
  loadBrokerDeliveryFile,
  loadTriggersFile,
} from "./trigger-definitions.ts";

describe("EmbeddedBroker with the knative/base definitions", () => {
  it("lets the progress Trigger's own delivery replace the Broker's as a whole", async () => {
    const [triggers, delivery] = await Promise.all([loadTriggersFile(), loadBrokerDeliveryFile()]);
    const recordResult = scripted(500);
    const ok: Subscriber = async () => ({ status: 202 });
    const { broker, letters, delays } = setup(
      [],
      {},
      {
        triggers,
        delivery,
        subscribers: {
          "record-result": recordResult.subscriber,
          "dispatch-backtest": ok,
          notify: ok,
          "watch-jobs": ok,
        },
      },
    );
    await broker.publish(progressEvent());
    await broker.drain(1000);
    // The progress Trigger's own delivery: one quick retry, then its own dead-letter sink.
    const progress = triggers.find((t) => t.name === "record-result-shard-progress")?.delivery;
    if (!progress) throw new Error("the progress Trigger has no delivery of its own");
    expect(recordResult.calls).toHaveLength(progress.retry + 1);
    expect(letters.map((l) => [l.eventType, l.reason])).toEqual([
      ["com.zixly.backtest.shard.progress.v1", `500 after ${progress.retry + 1} attempts`],
    ]);
    const progressDelays = Array.from({ length: progress.retry }, (_, n) => backoffMs(progress, n));
    expect(delays).toEqual(progressDelays);

    await broker.publish(shardFailedEvent());
    await broker.drain(1000);
    // The Broker's own delivery: every retry with its wait, then the dead letter.
    const tries = delivery.retry + 1;
    expect(recordResult.calls).toHaveLength(progress.retry + 1 + tries);
    expect(delays).toEqual([
      ...progressDelays,
      ...Array.from({ length: delivery.retry }, (_, n) => backoffMs(delivery, n)),
    ]);
    expect(letters.map((l) => [l.eventType, l.reason])).toEqual([
      ["com.zixly.backtest.shard.progress.v1", `500 after ${progress.retry + 1} attempts`],
      ["com.zixly.backtest.shard.failed.v1", `500 after ${tries} attempts`],
    ]);
  });
});

describe("EmbeddedBroker replies", () => {
  it("publishes a reply event back into the broker", async () => {
    const notify = scripted(202);
    const recorder: Subscriber = async () => ({ status: 200, reply: runFailedEvent("reply-1") });
    const { broker } = setup(
      [
        [PROGRESS, "recorder"],
        [FAILED, "notify"],
      ],
      { recorder, notify: notify.subscriber },
    );
    await broker.publish(progressEvent());
    await broker.drain(1000);
    expect(notify.calls.map((e) => e.id)).toEqual(["reply-1"]);
    expect(broker.stats()).toMatchObject({ accepted: 2, delivered: 2 });
  });

  it("fails the delivery without a retry when the reply is not one of our events", async () => {
    const bad = runFailedEvent("bad").cloneWith({ type: "com.example.other" }, false);
    const recorder: Subscriber = async () => ({ status: 200, reply: bad });
    const { broker, letters, delays } = setup([[PROGRESS, "recorder"]], { recorder });
    await broker.publish(progressEvent());
    await broker.drain(1000);
    expect(delays).toEqual([]);
    expect(letters[0]?.reason).toMatch(
      /^reply rejected \(unknown event type "com.example.other"\) after 1 attempt$/,
    );
  });
});

describe("EmbeddedBroker drain and close", () => {
  it("drain resolves true at once when idle and false when a delivery outlasts the timeout", async () => {
    const gate = deferred();
    const slow: Subscriber = async () => {
      await gate.promise;
      return { status: 202 };
    };
    const { broker } = setup([[FAILED, "slow"]], { slow });
    expect(await broker.drain(10)).toBe(true);
    await broker.publish(runFailedEvent());
    expect(await broker.drain(20)).toBe(false);
    gate.resolve();
    expect(await broker.drain(1000)).toBe(true);
    expect(broker.stats().delivered).toBe(1);
  });

  it("close refuses new events with PublishError 503 and finishes the deliveries in flight", async () => {
    const gate = deferred();
    const slow: Subscriber = async () => {
      await gate.promise;
      return { status: 202 };
    };
    const { broker } = setup([[FAILED, "slow"]], { slow });
    await broker.publish(runFailedEvent());
    const closing = broker.close(1000);
    await expect(broker.publish(runFailedEvent("late"))).rejects.toMatchObject({
      name: "PublishError",
      status: 503,
    });
    await expect(broker.publish(runFailedEvent("late"))).rejects.toBeInstanceOf(PublishError);
    gate.resolve();
    expect(await closing).toBe(true);
    expect(broker.stats()).toMatchObject({ delivered: 1, dropped: 0 });
  });

  it("close cuts a pending backoff short and leaves the delivery for the next start", async () => {
    const a = scripted(503);
    const long: DeliverySpec = { retry: 3, backoffPolicy: "exponential", backoffDelayMs: 60_000 };
    const { broker } = setup(
      [[FAILED, "a"]],
      { a: a.subscriber },
      { delivery: long, sleep: undefined },
    );
    await broker.publish(runFailedEvent());
    const started = Date.now();
    expect(await broker.close(50)).toBe(false);
    expect(await broker.drain(1000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(a.calls).toHaveLength(1);
    // The backoff is cut short, and the delivery stays in the outbox for the next start.
    expect(broker.stats()).toMatchObject({ retried: 1, dropped: 0, left: 1, waiting: 0 });
  });
});

describe("EmbeddedBroker concurrency", () => {
  it("runs at most `concurrency` tries per subscriber and queues the rest in order", async () => {
    const gate = deferred();
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const slow: Subscriber = async (event) => {
      order.push(event.id);
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
      return { status: 202 };
    };
    const other = scripted(202);
    const { broker } = setup(
      [
        [FAILED, "slow"],
        [FAILED, "other"],
      ],
      { slow, other: other.subscriber },
      { concurrency: 2 },
    );
    for (let i = 0; i < 5; i++) await broker.publish(runFailedEvent(`e${i}`));
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.stats()).toMatchObject({ inFlight: 2, waiting: 3 });
    expect(other.calls).toHaveLength(5); // one slow subscriber does not hold back another
    gate.resolve();
    expect(await broker.drain(1000)).toBe(true);
    expect(peak).toBe(2);
    expect(order).toEqual(["e0", "e1", "e2", "e3", "e4"]);
  });

  it("refuses a concurrency below 1", () => {
    expect(() => setup([], {}, { concurrency: 0 })).toThrow(/concurrency/);
  });
});

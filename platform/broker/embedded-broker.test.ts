// Proves the embedded broker's routing by type, retries and dead letters.
import { describe, expect, it } from "vitest";
import type { Subscriber } from "./embedded-broker.ts";
import { progressEvent, runFailedEvent, scripted } from "./test-support/fixtures.ts";
import { FAILED, PROGRESS, setup } from "./test-support/setup-broker.ts";
import type { DeliverySpec } from "./trigger-definitions.ts";

describe("EmbeddedBroker routing", () => {
  it("delivers to every Trigger whose type matches, and to no other", async () => {
    const a = scripted(202);
    const b = scripted(204);
    const c = scripted(202);
    const { broker } = setup(
      [
        [FAILED, "a"],
        [FAILED, "b"],
        [PROGRESS, "c"],
      ],
      { a: a.subscriber, b: b.subscriber, c: c.subscriber },
    );
    await broker.publish(runFailedEvent());
    expect(a.calls).toHaveLength(0); // accepted first, delivered afterwards
    expect(await broker.drain(1000)).toBe(true);
    expect([a.calls.length, b.calls.length, c.calls.length]).toEqual([1, 1, 0]);
    expect(a.calls[0]?.id).toBe("run-failed-1");
    expect(broker.stats()).toMatchObject({
      accepted: 1,
      delivered: 2,
      retried: 0,
      inFlight: 0,
      waiting: 0,
    });
  });

  it("accepts and drops an event that no Trigger matches", async () => {
    const a = scripted(202);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber });
    await expect(broker.publish(progressEvent())).resolves.toBeUndefined();
    await broker.drain(1000);
    expect(a.calls).toHaveLength(0);
    expect(broker.stats()).toMatchObject({ accepted: 1, unrouted: 1, delivered: 0 });
  });

  it("refuses at construction a Trigger whose subscriber is unknown", () => {
    expect(() => setup([[FAILED, "nobody"]], {})).toThrow(/trigger t0 subscribes "nobody"/);
  });
});

describe("EmbeddedBroker retries (Knative data-plane)", () => {
  it.each([500, 503, 404, 408, 409, 429])(
    "retries %i with exponential backoff, then dead-letters",
    async (status) => {
      const a = scripted(status);
      const { broker, letters, delays } = setup([[FAILED, "a"]], { a: a.subscriber });
      await broker.publish(runFailedEvent());
      await broker.drain(1000);
      expect(a.calls).toHaveLength(4);
      expect(delays).toEqual([200, 400, 800]);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.reason).toBe(`${status} after 4 attempts`);
      expect(broker.stats()).toMatchObject({ retried: 3, deadLettered: 1, delivered: 0 });
    },
  );

  it("retries a thrown error as a network error", async () => {
    const a = scripted(new Error("ECONNREFUSED"));
    const { broker, letters, delays } = setup([[FAILED, "a"]], { a: a.subscriber });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(a.calls).toHaveLength(4);
    expect(delays).toEqual([200, 400, 800]);
    expect(letters[0]?.reason).toBe("error: ECONNREFUSED after 4 attempts");
  });

  it("stops retrying at the first acknowledgement", async () => {
    const a = scripted(503, new Error("reset"), 200);
    const { broker, letters, delays } = setup([[FAILED, "a"]], { a: a.subscriber });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(a.calls).toHaveLength(3);
    expect(delays).toEqual([200, 400]);
    expect(letters).toHaveLength(0);
    expect(broker.stats()).toMatchObject({ delivered: 1, retried: 2, deadLettered: 0 });
  });

  it.each([400, 422, 403, 302])("does not retry %i", async (status) => {
    const a = scripted(status);
    const { broker, letters, delays } = setup([[FAILED, "a"]], { a: a.subscriber });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(a.calls).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(letters[0]?.reason).toBe(`${status} after 1 attempt`);
  });

  it("waits delay * n between linear retries", async () => {
    const a = scripted(500);
    const linear: DeliverySpec = { retry: 3, backoffPolicy: "linear", backoffDelayMs: 100 };
    const { broker, delays } = setup([[FAILED, "a"]], { a: a.subscriber }, { delivery: linear });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(delays).toEqual([0, 100, 200]);
  });

  it("counts a try that outlasts the timeout as a network error", async () => {
    const never: Subscriber = () => new Promise(() => undefined);
    const spec: DeliverySpec = {
      retry: 0,
      backoffPolicy: "exponential",
      backoffDelayMs: 0,
      timeoutMs: 20,
      deadLetterSink: "dlq",
    };
    const { broker, letters } = setup([[FAILED, "a"]], { a: never }, { delivery: spec });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(letters[0]?.reason).toBe("error: no answer within 20 ms after 1 attempt");
  });
});

describe("EmbeddedBroker dead letters", () => {
  it("carries the event with knativeerrordest, knativeerrorcode and knativeerrordata", async () => {
    const a = scripted(500);
    const { broker, letters } = setup([[FAILED, "a"]], { a: a.subscriber });
    const event = runFailedEvent();
    await broker.publish(event);
    await broker.drain(1000);
    const letter = letters[0]!;
    expect(letter).toMatchObject({
      eventId: event.id,
      eventSource: event.source,
      eventType: FAILED,
      subscriber: "a",
    });
    const dead = letter.event as Record<string, unknown>;
    expect(dead.knativeerrordest).toBe("a");
    expect(dead.knativeerrorcode).toBe("500");
    expect(Buffer.from(String(dead.knativeerrordata), "base64").toString()).toBe("answered 500");
    expect(dead.data).toEqual(event.data);
  });

  it("leaves knativeerrorcode out after a network error", async () => {
    const a = scripted(new Error("socket hang up"));
    const { broker, letters } = setup([[FAILED, "a"]], { a: a.subscriber });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    const dead = letters[0]!.event as Record<string, unknown>;
    expect(dead.knativeerrorcode).toBeUndefined();
    expect(Buffer.from(String(dead.knativeerrordata), "base64").toString()).toBe("socket hang up");
  });

  it("drops and logs a failed event when the delivery names no sink", async () => {
    const a = scripted(500);
    const noSink: DeliverySpec = { retry: 1, backoffPolicy: "exponential", backoffDelayMs: 10 };
    const { broker, letters, log } = setup(
      [[FAILED, "a"]],
      { a: a.subscriber },
      { delivery: noSink },
    );
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(letters).toHaveLength(0);
    expect(broker.stats()).toMatchObject({ dropped: 1, deadLettered: 0 });
    expect(
      log.lines.some((l) => l.level === "warn" && /dead-letter sink not set/.test(l.message)),
    ).toBe(true);
  });

  it("drops a failed event when the sink is named but no deadLetter function is wired", async () => {
    const a = scripted(400);
    const { broker } = setup([[FAILED, "a"]], { a: a.subscriber }, { deadLetter: undefined });
    await broker.publish(runFailedEvent());
    await broker.drain(1000);
    expect(broker.stats()).toMatchObject({ dropped: 1, deadLettered: 0 });
  });

  it("keeps a delivery whose dead-letter sink fails and dead-letters it once the sink works", async () => {
    const a = scripted(400);
    let failures = 0;
    const kept: unknown[] = [];
    const deadLetter = async (letter: unknown) => {
      if (failures++ < 2) throw new Error("db down");
      kept.push(letter);
    };
    const { broker, delays } = setup([[FAILED, "a"]], { a: a.subscriber }, { deadLetter });
    await broker.publish(runFailedEvent());
    expect(await broker.drain(1000)).toBe(true);
    expect(a.calls).toHaveLength(1);
    expect(kept).toHaveLength(1);
    // The sink is tried again after the delivery's backoff, not given up on.
    expect(delays).toEqual([200, 400]);
    expect(broker.stats()).toMatchObject({ dropped: 0, deadLettered: 1 });
  });
});

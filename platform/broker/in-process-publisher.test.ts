// Proves the in-process publisher sends events through their wire form and maps broker refusals.
import { CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import type { ZixlyEvent } from "../../events/cloud-event.ts";
import { PublishError } from "../../events/publisher.ts";
import { EmbeddedBroker } from "./embedded-broker.ts";
import { InProcessPublisher } from "./in-process-publisher.ts";
import { quietLog, shardFailedEvent } from "./test-support/fixtures.ts";

function broker() {
  const received: ZixlyEvent[] = [];
  const b = new EmbeddedBroker({
    triggers: [{ name: "t", type: "com.zixly.backtest.shard.failed.v1", subscriber: "s" }],
    delivery: { retry: 0, backoffPolicy: "exponential", backoffDelayMs: 0 },
    subscribers: {
      s: async (event) => {
        received.push(event);
        return { status: 202 };
      },
    },
    log: quietLog(),
  });
  return { b, received };
}

describe("InProcessPublisher", () => {
  it("hands the broker the event as it would arrive over HTTP", async () => {
    const { b, received } = broker();
    const event = shardFailedEvent();
    await new InProcessPublisher(b).publish(event);
    await b.drain(1000);
    const got = received[0]!;
    expect(got).not.toBe(event);
    expect([got.id, got.source, got.type, got.time, got.traceparent]).toEqual([
      event.id,
      event.source,
      event.type,
      event.time,
      event.traceparent,
    ]);
    expect(got.data).toEqual(event.data);
  });

  it("refuses an event the ingress would refuse, with status 400", async () => {
    const { b } = broker();
    const other = new CloudEvent({ id: "1", source: "/x", type: "com.example.other", data: {} });
    await expect(new InProcessPublisher(b).publish(other)).rejects.toMatchObject({
      name: "PublishError",
      status: 400,
    });
  });

  it("maps a closed broker to PublishError 503", async () => {
    const { b } = broker();
    await b.close(100);
    const error = await new InProcessPublisher(b)
      .publish(shardFailedEvent())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).status).toBe(503);
  });

  it("maps any other broker failure to PublishError 503", async () => {
    const failing = { publish: async () => Promise.reject(new Error("boom")) };
    await expect(new InProcessPublisher(failing).publish(shardFailedEvent())).rejects.toMatchObject(
      { status: 503 },
    );
  });
});

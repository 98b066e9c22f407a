// Proves the ingress over a real ephemeral server: 202 binary and structured, 400, 413, 503, 405.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { toBinaryHttp, type ZixlyEvent } from "../../events/cloud-event.ts";
import { brokerIngress } from "./broker-ingress.ts";
import { EmbeddedBroker } from "./embedded-broker.ts";
import { quietLog, shardFailedEvent } from "./test-support/fixtures.ts";

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function start(limitBytes?: number) {
  const received: ZixlyEvent[] = [];
  const broker = new EmbeddedBroker({
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
  server = createServer(brokerIngress(broker, { limitBytes, log: quietLog() }));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/broker/default`;
  return { broker, received, url };
}

describe("brokerIngress", () => {
  it("answers 202 to a binary-mode event and delivers it", async () => {
    const { broker, received, url } = await start();
    const event = shardFailedEvent();
    const res = await fetch(url, { method: "POST", ...toBinaryHttp(event) });
    expect(res.status).toBe(202);
    await broker.drain(1000);
    expect(received.map((e) => [e.id, e.traceparent])).toEqual([[event.id, event.traceparent]]);
    expect(received[0]?.data).toEqual(event.data);
  });

  it("answers 202 to a structured-mode event", async () => {
    const { broker, received, url } = await start();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify(shardFailedEvent("structured-1").toJSON()),
    });
    expect(res.status).toBe(202);
    await broker.drain(1000);
    expect(received.map((e) => e.id)).toEqual(["structured-1"]);
  });

  it("answers 400 with a JSON error to a type that is not ours", async () => {
    const { url } = await start();
    const { headers, body } = toBinaryHttp(shardFailedEvent());
    const res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "ce-type": "com.example.other" },
      body,
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("invalid_request");
    expect(json.error.message).toMatch(/unknown event type "com.example.other"/);
  });

  it("answers 400 to data that breaks the schema, and to a request that is no CloudEvent", async () => {
    const { url } = await start();
    const { headers } = toBinaryHttp(shardFailedEvent());
    const bad = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ runId: "nope" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /invalid data/,
    );
    const plain = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(plain.status).toBe(400);
  });

  it("answers 413 to a body over the limit, declared or streamed", async () => {
    const { url } = await start(1024);
    const { headers } = toBinaryHttp(shardFailedEvent());
    const big = JSON.stringify({ padding: "x".repeat(64 * 1024) });
    const declared = await fetch(url, { method: "POST", headers, body: big });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: "POST",
      headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it("answers 503 once the broker is closed", async () => {
    const { broker, url } = await start();
    await broker.close(100);
    const res = await fetch(url, { method: "POST", ...toBinaryHttp(shardFailedEvent()) });
    expect(res.status).toBe(503);
  });

  it("answers 405 to anything but POST", async () => {
    const { url } = await start();
    const res = await fetch(url);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

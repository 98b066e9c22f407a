// Proves the ingress over a real ephemeral server: 401 without the token, then 202, 400, 413, 503, 405.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { toBinaryHttp, type ZixlyEvent } from "../../events/cloud-event.ts";
import { brokerIngress } from "./broker-ingress.ts";
import { EmbeddedBroker } from "./embedded-broker.ts";
import { quietLog, shardFailedEvent } from "./test-support/fixtures.ts";

const TOKEN = randomBytes(32).toString("base64url");
const AUTH = { authorization: `Bearer ${TOKEN}` };

let server: Server | undefined;

afterEach(async () => {
  const open = server;
  server = undefined;
  if (open) await new Promise((resolve) => open.close(resolve));
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
  server = createServer(brokerIngress(broker, { token: TOKEN, limitBytes, log: quietLog() }));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/broker/default`;
  return { broker, received, url };
}

/** POSTs `event` in binary mode with `authorization` (none when undefined). */
function post(url: string, event: ZixlyEvent, authorization?: string) {
  const { headers, body } = toBinaryHttp(event);
  return fetch(url, {
    method: "POST",
    headers: authorization === undefined ? headers : { ...headers, authorization },
    body,
  });
}

describe("brokerIngress: authentication", () => {
  it.each([
    ["no Authorization header", undefined],
    ["a wrong token of the same length", `Bearer ${randomBytes(32).toString("base64url")}`],
    ["a token of another length", `Bearer ${TOKEN}x`],
    ["a prefix of the token", `Bearer ${TOKEN.slice(0, 32)}`],
    ["the token under another scheme", `Basic ${TOKEN}`],
    ["the token without a scheme", TOKEN],
    ["an empty bearer", "Bearer "],
  ])("answers 401 with WWW-Authenticate: Bearer to %s, and publishes nothing", async (_, auth) => {
    const { broker, received, url } = await start();
    const res = await post(url, shardFailedEvent(), auth);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    await broker.drain(1000);
    expect(received).toEqual([]);
    expect(broker.stats().accepted).toBe(0);
  });

  it("answers 202 to the token, whatever the case of the scheme", async () => {
    const { broker, received, url } = await start();
    expect((await post(url, shardFailedEvent("a"), `Bearer ${TOKEN}`)).status).toBe(202);
    expect((await post(url, shardFailedEvent("b"), `bearer ${TOKEN}`)).status).toBe(202);
    await broker.drain(1000);
    expect(received.map((e) => e.id).sort()).toEqual(["a", "b"]);
  });

  it("refuses before the body: an unauthenticated body over the limit gets 401, not 413", async () => {
    const { url } = await start(1024);
    const { headers } = toBinaryHttp(shardFailedEvent());
    const res = await fetch(url, { method: "POST", headers, body: "x".repeat(64 * 1024) });
    expect(res.status).toBe(401);
    expect(res.headers.get("connection")).toBe("close");
  });

  it("refuses to run with a token shorter than 32 characters", () => {
    const broker = { publish: async () => undefined };
    expect(() => brokerIngress(broker, { token: "short", log: quietLog() })).toThrow(RangeError);
  });
});

describe("brokerIngress", () => {
  it("answers 202 to a binary-mode event and delivers it", async () => {
    const { broker, received, url } = await start();
    const event = shardFailedEvent();
    const res = await post(url, event, AUTH.authorization);
    expect(res.status).toBe(202);
    await broker.drain(1000);
    expect(received.map((e) => [e.id, e.traceparent])).toEqual([[event.id, event.traceparent]]);
    expect(received[0]?.data).toEqual(event.data);
  });

  it("answers 202 to a structured-mode event", async () => {
    const { broker, received, url } = await start();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json", ...AUTH },
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
      headers: { ...headers, ...AUTH, "ce-type": "com.example.other" },
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
      headers: { ...headers, ...AUTH },
      body: JSON.stringify({ runId: "nope" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /invalid data/,
    );
    const plain = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...AUTH },
      body: "{}",
    });
    expect(plain.status).toBe(400);
  });

  it("answers 413 to a body over the limit, declared or streamed", async () => {
    const { url } = await start(1024);
    const { headers } = toBinaryHttp(shardFailedEvent());
    const big = JSON.stringify({ padding: "x".repeat(64 * 1024) });
    const declared = await fetch(url, {
      method: "POST",
      headers: { ...headers, ...AUTH },
      body: big,
    });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: "POST",
      headers: { ...headers, ...AUTH },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it("answers 503 once the broker is closed", async () => {
    const { broker, url } = await start();
    await broker.close(100);
    const res = await post(url, shardFailedEvent(), AUTH.authorization);
    expect(res.status).toBe(503);
  });

  it("answers 405 to anything but POST, once authenticated", async () => {
    const { url } = await start();
    const res = await fetch(url, { headers: AUTH });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await fetch(url)).status).toBe(401);
  });
});

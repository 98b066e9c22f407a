// Subscribers over HTTP: binary-mode POST, the broker's token when it has one, and the status handed back to its rules.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, fromHttp, shardProgress } from "../../events/index.ts";
import { httpSubscriber, postEvent } from "./http-subscriber.ts";

const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let server: Server;
let url: string;
let status = 202;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end("nope");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const event = createEvent(
  shardProgress.type,
  { runId: "run_aaaaaaaaaaaaaaaaaaaaaaaaaa", shard: { index: 0, count: 1 }, done: 1, total: 2 },
  {
    id: "e1",
    source: "/test",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  },
);

describe("httpSubscriber", () => {
  it("POSTs a binary-mode CloudEvent that reads back as the same event", async () => {
    status = 202;
    expect(await httpSubscriber(url)(event)).toMatchObject({ status: 202 });
    const last = received.at(-1)!;
    expect(last.headers["ce-type"]).toBe(shardProgress.type);
    expect(last.headers.traceparent).toBe(event.traceparent);
    expect(fromHttp(last.headers, last.body).data).toEqual(event.data);
  });

  it("hands a failure status and body back to the broker, and rejects when unreachable", async () => {
    status = 503;
    expect(await httpSubscriber(url)(event)).toEqual({ status: 503, body: "nope" });
    await expect(
      httpSubscriber("http://127.0.0.1:9/", { timeoutMs: 2000 })(event),
    ).rejects.toThrow();
  });

  it("sends Authorization: Bearer <token> when given a token, and no Authorization without one", async () => {
    status = 202;
    const token = "subscriber-token-0123456789abcdef-xyz";
    await httpSubscriber(url, { token })(event);
    expect(received.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
    await httpSubscriber(url)(event);
    expect(received.at(-1)!.headers).not.toHaveProperty("authorization");
  });

  it("sends the token with a dead letter too (postEvent)", async () => {
    status = 202;
    const token = "dead-letter-token-0123456789abcdef";
    expect((await postEvent(url, event, { token })).status).toBe(202);
    expect(received.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("refuses at once a token a header cannot carry, without quoting it", () => {
    const token = "has a space and a secret 0123456789";
    let error: unknown;
    try {
      httpSubscriber(url, { token });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect(String(error)).not.toContain("secret");
  });
});

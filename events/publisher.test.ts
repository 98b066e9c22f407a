// HttpPublisher over a real server: the Authorization header, asked for on every publish.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent } from "./cloud-event.ts";
import { HttpPublisher, PublishError } from "./publisher.ts";

const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on("end", () => res.writeHead(req.headers.authorization ? 202 : 401).end());
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/broker/default`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const event = () =>
  createEvent(
    "com.zixly.backtest.shard.progress.v1",
    { runId: `run_${"a".repeat(26)}`, shard: { index: 0, count: 1 }, done: 1, total: 2 },
    { id: "p-1", source: "/test" },
  );

describe("HttpPublisher", () => {
  it("sends no Authorization header without credentials, and reports the broker's 401", async () => {
    seen.length = 0;
    const error = await new HttpPublisher(url).publish(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).status).toBe(401);
    expect(seen[0]).not.toHaveProperty("authorization");
  });

  it("asks for the header on every publish, so a rotated token is sent", async () => {
    seen.length = 0;
    let n = 0;
    const publisher = new HttpPublisher(url, { authorization: async () => `Bearer token-${++n}` });
    await publisher.publish(event());
    await publisher.publish(event());
    expect(seen.map((h) => h.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
  });

  it("fails unsent, with no status (retryable), when the credentials cannot be had", async () => {
    seen.length = 0;
    const publisher = new HttpPublisher(url, {
      authorization: () => {
        throw new Error("token file missing");
      },
    });
    const error = await publisher.publish(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).status).toBeUndefined();
    expect(String(error)).toMatch(/no credentials for the broker/);
    expect(seen).toEqual([]);
  });
});

// Both ingest adapters count every webhook once, by configured source and outcome.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import { sample } from "../../platform/metrics/test-support/sample.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { verifierFor } from "./authenticate.ts";
import type { IngestDeps } from "./handler.ts";
import { ingestNodeHandler } from "./node-http-adapter.ts";
import { INGEST_WEBHOOK, registerIngestWebhook } from "./register.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = JSON.stringify({
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 40] },
  data: { synthetic: { bars: 300, seed: 1 } },
});

const publisher = new RecordingPublisher();
const deps = async (): Promise<IngestDeps> => ({
  sources: new Map([["backtest", verifierFor({ auth: "standard-webhooks", secret: SECRET })]]),
  replay: new MemoryReplayGuard(),
  rate: new MemoryRateLimiter(),
  publisher,
  log: silentLogger(),
  limits: {
    maxBodyBytes: 1024,
    maxCombinations: 100,
    ratePerMinute: 5,
    replayTtlSeconds: 3600,
    allowInsecureUrls: false,
  },
  publicUrl: "https://api.example.com",
});

function signed(id: string, body = BODY): Record<string, string> {
  const now = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(SECRET).sign(id, now, body),
  };
}

const received = (source: string, outcome: string) =>
  sample("zixly_webhooks_received_total", { source, outcome });

describe("the node:http ingest adapter", () => {
  let server: Listening;
  let memo: Promise<IngestDeps> | undefined;
  beforeAll(async () => {
    server = await listen(ingestNodeHandler(() => (memo ??= deps())));
  });
  afterAll(() => server?.close());

  const post = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${server.url}${path}`, { method: "POST", headers, body }).then((r) => r.status);

  it("counts each outcome once, and an unconfigured source as unknown", async () => {
    expect(await post("/webhooks/backtest", signed("msg_1"), BODY)).toBe(202);
    expect(await post("/webhooks/backtest", signed("msg_1"), BODY)).toBe(202);
    expect(
      await post(
        "/webhooks/backtest",
        { ...signed("msg_2"), "webhook-signature": "v1,AAAA" },
        BODY,
      ),
    ).toBe(401);
    const invalid = JSON.stringify({ strategy: "nope" });
    expect(await post("/webhooks/backtest", signed("msg_3", invalid), invalid)).toBe(400);
    const big = JSON.stringify({ pad: "x".repeat(2048) });
    expect(await post("/webhooks/backtest", signed("msg_4", big), big)).toBe(413);
    expect(await post("/webhooks/run_secret-123", signed("msg_5"), BODY)).toBe(404);
    publisher.down = true;
    expect(await post("/webhooks/backtest", signed("msg_6"), BODY)).toBe(503);
    publisher.down = false;
    // The limit is 5 a minute; four requests above reached the limiter (not the 401, 413, 404).
    expect(await post("/webhooks/backtest", signed("msg_7"), BODY)).toBe(202);
    expect(await post("/webhooks/backtest", signed("msg_8"), BODY)).toBe(429);

    expect(await received("backtest", "accepted")).toBe(2);
    expect(await received("backtest", "replay")).toBe(1);
    expect(await received("backtest", "unauthorized")).toBe(1);
    expect(await received("backtest", "invalid")).toBe(1);
    expect(await received("backtest", "too_large")).toBe(1);
    expect(await received("unknown", "not_found")).toBe(1);
    expect(await received("backtest", "unavailable")).toBe(1);
    expect(await received("backtest", "rate_limited")).toBe(1);
    expect(await sample("zixly_webhooks_received_total", { source: "run_secret-123" })).toBe(0);
  });
});

describe("the functions-framework ingest adapter", () => {
  let server: Listening;
  beforeAll(async () => {
    registerIngestWebhook(deps);
    server = await listen(getTestServer(INGEST_WEBHOOK));
  });
  afterAll(() => server?.close());

  it("counts accepted and refused webhooks alike", async () => {
    const before = await received("backtest", "accepted");
    const unauthorized = await received("backtest", "unauthorized");
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/webhooks/backtest`, { method: "POST", headers, body: BODY });
    expect((await post(signed("ff_1"))).status).toBe(202);
    expect((await post({ ...signed("ff_2"), "webhook-signature": "v1,AAAA" })).status).toBe(401);
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
    expect(await received("backtest", "accepted")).toBe(before + 1);
    expect(await received("backtest", "unauthorized")).toBe(unauthorized + 1);
    expect(await received("unknown", "not_found")).toBeGreaterThanOrEqual(1);
  });
});

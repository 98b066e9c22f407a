// ingest-webhook registered with functions-framework: signed webhooks over real HTTP.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backtestRequested } from "../../events/index.ts";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { verifierFor } from "./authenticate.ts";
import type { IngestDeps } from "./handler.ts";
import { INGEST_WEBHOOK, registerIngestWebhook } from "./register.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// Pretty-printed on purpose: the signature must be checked on these bytes, not on re-serialised JSON.
const BODY = `{
  "strategy": "sma-crossover",
  "params": { "fast": [5, 10], "slow": { "from": 20, "to": 40, "step": 10 } },
  "data": { "synthetic": { "bars": 300, "seed": 1 } }
}`;

let publisher: RecordingPublisher;
let server: Listening;

beforeAll(async () => {
  registerIngestWebhook(
    async (): Promise<IngestDeps> => ({
      sources: new Map([["backtest", verifierFor({ auth: "standard-webhooks", secret: SECRET })]]),
      replay: new MemoryReplayGuard(),
      rate: new MemoryRateLimiter(),
      publisher,
      log: silentLogger(),
      limits: {
        maxBodyBytes: 4096,
        maxCombinations: 100,
        ratePerMinute: 100,
        replayTtlSeconds: 3600,
        allowInsecureUrls: false,
      },
      publicUrl: "https://api.example.com",
    }),
  );
  server = await listen(getTestServer(INGEST_WEBHOOK));
});
afterAll(() => server?.close());

beforeEach(() => {
  publisher = new RecordingPublisher();
});

function signedHeaders(id: string, body: string, contentType = "application/json") {
  const now = new Date();
  return {
    "content-type": contentType,
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(SECRET).sign(id, now, body),
  };
}

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(`${server.url}/webhooks/backtest`, {
    method: "POST",
    headers,
    body,
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), text };
}

describe("ingest-webhook over functions-framework", () => {
  it("answers a signed POST /webhooks/backtest with 202 {runId, statusUrl} and publishes requested", async () => {
    const { status, text } = await post(signedHeaders("msg_ff_1", BODY), BODY);
    expect(status).toBe(202);
    const body = JSON.parse(text);
    expect(body.runId).toMatch(/^run_[a-z2-7]{26}$/);
    expect(body).toEqual({
      runId: body.runId,
      statusUrl: `https://api.example.com/runs/${body.runId}`,
    });
    expect(publisher.events.map((e) => [e.type, e.id])).toEqual([
      [backtestRequested.type, body.runId],
    ]);
    expect(publisher.events[0].data).toMatchObject({ combinations: 6, source: "backtest" });
  });

  it("accepts the raw bytes as the front server passes them (application/octet-stream)", async () => {
    const { status } = await post(
      signedHeaders("msg_ff_2", BODY, "application/octet-stream"),
      BODY,
    );
    expect(status).toBe(202);
    expect(publisher.events).toHaveLength(1);
  });

  it("answers a bad signature with 401 and a JSON error body", async () => {
    const headers = { ...signedHeaders("msg_ff_3", BODY), "webhook-signature": "v1,bm9wZQ==" };
    const { status, contentType, text } = await post(headers, BODY);
    expect(status).toBe(401);
    expect(contentType).toMatch(/application\/json/);
    expect(JSON.parse(text)).toEqual({
      error: { code: "unauthorized", message: "webhook-signature does not match the body" },
    });
    expect(publisher.events).toHaveLength(0);
  });

  it("answers bad JSON with our JSON 400 naming the problem when the body comes as octet-stream", async () => {
    const bad = '{"strategy": "sma-crossover",';
    const { status, contentType, text } = await post(
      signedHeaders("msg_ff_4", bad, "application/octet-stream"),
      bad,
    );
    expect(status).toBe(400);
    expect(contentType).toMatch(/application\/json/);
    const { error } = JSON.parse(text);
    expect(error.code).toBe("invalid_request");
    expect(error.message).toMatch(/^body is not valid JSON/);
    expect(publisher.events).toHaveLength(0);
  });

  it("leaves bad JSON sent as application/json to functions-framework's body parser (an HTML 400)", async () => {
    // Under bare functions-framework the JSON parser runs before the function; the front
    // server avoids this by passing webhooks on as application/octet-stream.
    const bad = '{"strategy": "sma-crossover",';
    const { status, contentType } = await post(signedHeaders("msg_ff_5", bad), bad);
    expect(status).toBe(400);
    expect(contentType).toMatch(/text\/html/);
    expect(publisher.events).toHaveLength(0);
  });

  it("answers 404 JSON for another path or method", async () => {
    const response = await fetch(`${server.url}/elsewhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

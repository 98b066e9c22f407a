// ingest-webhook's logic with in-memory adapters: auth per scheme, validation, guards, run ids.
import { createHmac } from "node:crypto";
import type { CloudEvent } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import type { Publisher } from "../../events/index.ts";
import { HttpError } from "../../platform/http/http-errors.ts";
import { createLogger } from "../../platform/log.ts";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import { verifierFor } from "./authenticate.ts";
import { handleWebhook, type IngestDeps, type WebhookInput } from "./handler.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const REQUEST = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: { from: 20, to: 40, step: 10 } },
  data: { synthetic: { bars: 300, seed: 1 } },
};

class RecordingPublisher implements Publisher {
  events: CloudEvent<unknown>[] = [];
  down = false;
  async publish(event: CloudEvent<unknown>) {
    if (this.down) throw new Error("broker down");
    this.events.push(event);
  }
}

let publisher: RecordingPublisher;
let deps: IngestDeps;

beforeEach(() => {
  publisher = new RecordingPublisher();
  deps = {
    sources: new Map([
      ["backtest", verifierFor({ auth: "standard-webhooks", secret: SECRET })],
      ["github", verifierFor({ auth: "github", secret: "It's a Secret to Everybody" })],
      [
        "tradingview",
        verifierFor({
          auth: "token",
          token: "t0ken-t0ken-t0ken-t0ken",
          allowIps: ["52.89.214.238"],
        }),
      ],
    ]),
    replay: new MemoryReplayGuard(),
    rate: new MemoryRateLimiter(),
    publisher,
    log: createLogger("test", {}),
    limits: {
      maxBodyBytes: 4096,
      maxCombinations: 100,
      ratePerMinute: 5,
      replayTtlSeconds: 3600,
      allowInsecureUrls: false,
    },
    publicUrl: "http://localhost:8080",
  };
});

function signed(body: unknown, id = "msg_1", at = new Date()): WebhookInput {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return {
    source: "backtest",
    rawBody: Buffer.from(raw),
    ip: "127.0.0.1",
    headers: {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(SECRET).sign(id, at, raw),
    },
  };
}

async function refusal(input: WebhookInput): Promise<HttpError> {
  const error = await handleWebhook(input, deps).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe("handleWebhook", () => {
  it("accepts a signed request, publishes requested once the broker took it, and answers the run", async () => {
    const accepted = await handleWebhook(signed(REQUEST), deps);
    expect(accepted.runId).toMatch(/^run_[a-z2-7]{26}$/);
    expect(accepted.statusUrl).toBe(`http://localhost:8080/runs/${accepted.runId}`);
    expect(publisher.events).toHaveLength(1);
    const event = publisher.events[0];
    expect(event.type).toBe("com.zixly.backtest.requested.v1");
    expect(event.id).toBe(accepted.runId);
    expect(event.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(event.data).toMatchObject({
      runId: accepted.runId,
      source: "backtest",
      combinations: 6,
    });
  });

  it("gives a redelivery of the same webhook id the same run without publishing again", async () => {
    const first = await handleWebhook(signed(REQUEST, "msg_same"), deps);
    const second = await handleWebhook(signed(REQUEST, "msg_same"), deps);
    expect(second.runId).toBe(first.runId);
    expect(second.replay).toBe(true);
    expect(publisher.events).toHaveLength(1);
  });

  it("propagates an incoming traceparent", async () => {
    const input = signed(REQUEST);
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await handleWebhook({ ...input, headers: { ...input.headers, traceparent } }, deps);
    expect(publisher.events[0].traceparent).toBe(traceparent);
  });

  it("refuses a bad signature, a stale timestamp and missing headers with 401", async () => {
    const bad = signed(REQUEST);
    bad.headers["webhook-signature"] = "v1,dawfeoifkpqwoekfpqoekf";
    expect((await refusal(bad)).status).toBe(401);
    const stale = signed(REQUEST, "msg_2", new Date(Date.now() - 301_000));
    const error = await refusal(stale);
    expect([error.status, error.message]).toEqual([
      401,
      "webhook-timestamp is not within 5 minutes of now",
    ]);
    const missing = signed(REQUEST);
    delete missing.headers["webhook-signature"];
    expect((await refusal(missing)).message).toMatch(/missing webhook-id/);
    expect(publisher.events).toHaveLength(0);
  });

  it("refuses bad JSON and schema violations with 400 listing every path", async () => {
    const json = await refusal(signed("{not json"));
    expect([json.status, json.message]).toEqual([400, expect.stringMatching(/not valid JSON/)]);
    const schema = await refusal(
      signed({ strategy: "", params: {}, data: { path: "../etc/passwd" }, cash: -1 }),
    );
    expect(schema.status).toBe(400);
    const paths = (schema.details!.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(["strategy", "params", "data.path", "cash"]);
  });

  it("refuses a traversal path, an unknown strategy, a bad parameter and too many combinations with 400", async () => {
    const traversal = await refusal(
      signed({ ...REQUEST, data: { path: "data/../../secret.csv" } }),
    );
    expect(traversal.status).toBe(400);
    expect(traversal.message).toMatch(/data/);
    const unknown = await refusal(signed({ ...REQUEST, strategy: "moon-phase" }));
    expect([unknown.status, unknown.message]).toEqual([
      400,
      expect.stringMatching(/^strategy: unknown strategy "moon-phase"/),
    ]);
    const param = await refusal(signed({ ...REQUEST, params: { fast: [5, 0], slow: 20 } }));
    expect(param.message).toMatch(/^params\.fast\[1\]: 0 is invalid/);
    const many = await refusal(
      signed({
        ...REQUEST,
        params: { fast: { from: 2, to: 30, step: 1 }, slow: { from: 40, to: 60, step: 1 } },
      }),
    );
    expect([many.status, many.message]).toEqual([
      400,
      "params: the grid gives 609 combinations, more than the cap of 100",
    ]);
  });

  it("refuses an oversized body with 413 before verifying it", async () => {
    const big = signed({ ...REQUEST, label: "x".repeat(5000) });
    expect((await refusal(big)).status).toBe(413);
  });

  it("rate-limits per source with 429 and Retry-After", async () => {
    for (let k = 0; k < 5; k++) await handleWebhook(signed(REQUEST, `msg_r${k}`), deps);
    const limited = await refusal(signed(REQUEST, "msg_r5"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("answers 503 and remembers nothing when the broker is down, so a retry goes through", async () => {
    publisher.down = true;
    expect((await refusal(signed(REQUEST, "msg_down"))).status).toBe(503);
    publisher.down = false;
    const retried = await handleWebhook(signed(REQUEST, "msg_down"), deps);
    expect(retried.replay).toBe(false);
    expect(publisher.events).toHaveLength(1);
  });

  it("verifies GitHub's X-Hub-Signature-256 on the raw body", async () => {
    const raw = JSON.stringify(REQUEST);
    const sig = `sha256=${createHmac("sha256", "It's a Secret to Everybody").update(raw).digest("hex")}`;
    const input = {
      source: "github",
      rawBody: Buffer.from(raw),
      ip: "1.2.3.4",
      headers: { "x-hub-signature-256": sig, "x-github-delivery": "d1" },
    };
    expect((await handleWebhook(input, deps)).runId).toMatch(/^run_/);
    const wrong = {
      ...input,
      headers: { ...input.headers, "x-hub-signature-256": `${sig.slice(0, -1)}0` },
    };
    expect((await refusal(wrong)).status).toBe(401);
  });

  it("checks TradingView's body token and IP allow-list, and keys redeliveries on the body", async () => {
    const body = Buffer.from(JSON.stringify({ token: "t0ken-t0ken-t0ken-t0ken", ...REQUEST }));
    const ok = { source: "tradingview", rawBody: body, ip: "::ffff:52.89.214.238", headers: {} };
    const a = await handleWebhook(ok, deps);
    const b = await handleWebhook(ok, deps);
    expect(b.runId).toBe(a.runId);
    expect((await refusal({ ...ok, ip: "10.0.0.1" })).status).toBe(403);
    const wrong = Buffer.from(JSON.stringify({ token: "nope-nope-nope-nope!!", ...REQUEST }));
    expect((await refusal({ ...ok, rawBody: wrong })).status).toBe(401);
    expect(
      (publisher.events[0].data as { request: Record<string, unknown> }).request,
    ).not.toHaveProperty("token");
  });

  it("refuses data and callback URLs to plain http or private addresses unless allowed", async () => {
    const data = await refusal(
      signed({ ...REQUEST, data: { url: "http://example.com/x.csv" } }, "msg_u1"),
    );
    expect([data.status, data.message]).toEqual([400, "data.url: must use https"]);
    const callback = await refusal(
      signed({ ...REQUEST, callbackUrl: "https://169.254.169.254/latest" }, "msg_u2"),
    );
    expect(callback.message).toBe("callbackUrl: may not point at a private or local address");
    const ok = await handleWebhook(
      signed({ ...REQUEST, data: { url: "https://example.com/x.csv" } }, "msg_u3"),
      deps,
    );
    expect(ok.runId).toMatch(/^run_/);
  });

  it("answers 404 for an unknown source", async () => {
    expect((await refusal({ ...signed(REQUEST), source: "nope" })).status).toBe(404);
  });
});

describe("handleWebhook: strings Postgres cannot store", () => {
  /**
   * A signed body whose string at `field` holds `escape` as JSON text (a backslash and
   * "u0000", say), which JSON.parse turns into NUL or a lone surrogate on arrival.
   */
  function withEscape(field: (marker: string) => object, jsonEscape: string): WebhookInput {
    const raw = JSON.stringify(field("@@")).replace("@@", jsonEscape);
    expect(raw).toContain(jsonEscape); // an escape in the text, not a raw NUL byte
    return signed(raw);
  }

  const cases: [string, (m: string) => object, string, string, string][] = [
    ["label", (m) => ({ ...REQUEST, label: `nightly ${m}` }), "\\u0000", "label", "U+0000 (NUL)"],
    [
      "strategy",
      (m) => ({ ...REQUEST, strategy: `sma${m}` }),
      "\\ud800",
      "strategy",
      "a lone surrogate (U+D800)",
    ],
    [
      "inline CSV",
      (m) => ({ ...REQUEST, data: { csv: `time,close\n1,${m}` } }),
      "\\udc00",
      "data.csv",
      "a lone surrogate (U+DC00)",
    ],
    [
      "data url",
      (m) => ({ ...REQUEST, data: { url: `https://example.com/${m}.csv` } }),
      "\\u0000",
      "data.url",
      "U+0000 (NUL)",
    ],
    [
      "callbackUrl",
      (m) => ({ ...REQUEST, callbackUrl: `https://example.com/${m}` }),
      "\\ud83d",
      "callbackUrl",
      "a lone surrogate (U+D83D)",
    ],
    [
      "parameter name",
      (m) => ({ ...REQUEST, params: { fast: 5, [`sl${m}ow`]: 20 } }),
      "\\u0000",
      "params.sl\\u0000ow",
      "U+0000 (NUL)",
    ],
  ];

  it.each(cases)(
    "refuses %s with 400 naming the path, and publishes nothing",
    async (_, field, jsonEscape, path, what) => {
      const error = await refusal(withEscape(field, jsonEscape));
      expect(error.status).toBe(400);
      const issues = error.details!.issues as { path: string; message: string }[];
      const issue = issues.find((i) => i.path === path);
      expect(issue?.message).toContain(`contains ${what} at character `);
      expect(issue?.message).toMatch(/ at character \d+, which cannot be stored$/);
      expect(error.message).toContain(`${path}: `);
      expect(publisher.events).toEqual([]);
    },
  );

  it("accepts a surrogate pair sent as escapes: an emoji is storable", async () => {
    const accepted = await handleWebhook(
      withEscape((m) => ({ ...REQUEST, label: `rocket ${m}` }), "\\ud83d\\ude80"),
      deps,
    );
    expect(accepted.replay).toBe(false);
    const data = publisher.events[0].data as { request: { label: string } };
    expect(data.request.label).toBe("rocket \u{1f680}");
  });
});

describe("Standard Webhooks test vector", () => {
  it("verifies the published vector and rejects the published bad signatures", () => {
    const verify = verifierFor({ auth: "standard-webhooks", secret: SECRET });
    // The vector's timestamp is from 2021; the library checks the tolerance against now, so
    // the vector's HMAC is checked through sign(), and the verifier on a fresh timestamp.
    const at = new Date(1614265330 * 1000);
    expect(
      new Webhook(SECRET).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, '{"test": 2432232314}'),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    const now = new Date();
    const ts = String(Math.floor(now.getTime() / 1000));
    const good = new Webhook(SECRET).sign(
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      now,
      '{"test": 2432232314}',
    );
    const input = (sig: string, t = ts) => ({
      rawBody: Buffer.from('{"test": 2432232314}'),
      ip: "",
      headers: {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": t,
        "webhook-signature": sig,
      },
    });
    expect(verify(input(good)).webhookId).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
    for (const bad of ["v1,dawfeoifkpqwoekfpqoekf", good.slice(0, 8), "v1,"]) {
      expect(() => verify(input(bad))).toThrow(/does not match|missing/);
    }
    expect(() => verify(input(good, String(Number(ts) - 301)))).toThrow(/5 minutes/);
    expect(() => verify(input(`v1,bad ${good}`))).not.toThrow();
  });
});

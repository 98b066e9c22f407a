// Runs the k6 scripts under Node with k6 stand-ins: their options, thresholds and requests.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BacktestRequestSchema } from "../events/index.ts";
import { type FakeReply, k6, type RecordedRequest } from "./test-support/k6-shims.ts";

vi.mock("k6", async () => (await import("./test-support/k6-shims.ts")).k6Core);
vi.mock("k6/http", async () => (await import("./test-support/k6-shims.ts")).k6Http);
vi.mock("k6/metrics", async () => (await import("./test-support/k6-shims.ts")).k6Metrics);
vi.mock("k6/crypto", async () => (await import("./test-support/k6-shims.ts")).k6Crypto);
vi.mock("k6/encoding", async () => (await import("./test-support/k6-shims.ts")).k6Encoding);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WEBHOOK_URL = "http://ingest.test/webhooks/backtest";
const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
const STATUS_URL = `http://api.test/runs/${RUN_ID}`;
const ENV = { WEBHOOK_URL, WEBHOOK_SECRET: SECRET };

interface Script {
  options: {
    scenarios: Record<string, Record<string, unknown>>;
    thresholds: Record<string, string[]>;
  };
  setup(): { tag: string };
  default(data: { tag: string }): void;
}

let instances = 0;
/**
 * Imports a script afresh, since its init code reads __ENV, as k6 does for each VU. The
 * query makes a new module instance; lib/ and the k6 stand-ins stay shared.
 */
async function load(script: string, env: Record<string, string>): Promise<Script> {
  vi.stubGlobal("__ENV", env);
  const url = new URL(`./${script}?instance=${++instances}`, import.meta.url).href;
  return import(url);
}

/** Runs `iterations` iterations of the script's default function as VU 1. */
function iterate(script: Script, iterations = 1): void {
  const data = script.setup();
  for (let i = 0; i < iterations; i++) {
    vi.stubGlobal("__VU", 1);
    vi.stubGlobal("__ITER", i);
    script.default(data);
  }
}

function samples(name: string): number[] {
  return (k6.metrics.get(name)?.samples ?? []).map((s) => s.value);
}

function verified(req: RecordedRequest): unknown {
  return new Webhook(SECRET).verify(req.body ?? "", req.headers);
}

/** Answers the POST with 202, then each GET with the next of `polls`, repeating the last. */
function pipeline(polls: FakeReply[], post: FakeReply[] = []): void {
  const posts = [...post, { status: 202, json: { runId: RUN_ID, statusUrl: STATUS_URL } }];
  k6.handler = (req) =>
    req.method === "POST"
      ? (posts.shift() ?? posts[0])
      : (polls.length > 1 ? polls.shift() : polls[0])!;
}

const running = { status: 200, json: { status: "running", progress: { done: 3, total: 66 } } };
const succeeded = {
  status: 200,
  json: {
    status: "succeeded",
    progress: { done: 66, total: 66 },
    createdAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:42.000Z",
  },
};

beforeEach(() => {
  k6.reset();
  // k6's open() reads a file relative to the script, in the init context only.
  vi.stubGlobal("open", (path: string) => readFileSync(new URL(path, import.meta.url), "utf8"));
  // Time moves only when a script sleeps, so polling loops and timeouts run instantly.
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-01-01T00:00:00Z") });
  k6.onSleep = (seconds) => vi.setSystemTime(Date.now() + seconds * 1000);
  // end-to-end.js says why each failed run failed; the tests read the metrics instead.
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe.each(["webhook-burst.js", "end-to-end.js"])("%s", (script) => {
  it("stops at start, naming the variable, when WEBHOOK_URL or WEBHOOK_SECRET is missing", async () => {
    await expect(load(script, { WEBHOOK_SECRET: SECRET })).rejects.toThrow(
      /WEBHOOK_URL is not set/,
    );
    await expect(load(script, { WEBHOOK_URL })).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });

  it("refuses a number setting that is not a positive number", async () => {
    const name = script === "webhook-burst.js" ? "PEAK_RATE" : "RUNS";
    await expect(load(script, { ...ENV, [name]: "ten" })).rejects.toThrow(name);
  });
});

describe("webhook-burst.js", () => {
  it("ramps the arrival rate from 10 to 200 requests a second, with latency and error thresholds", async () => {
    const { options } = await load("webhook-burst.js", ENV);
    const burst = options.scenarios.burst as {
      executor: string;
      startRate: number;
      preAllocatedVUs: number;
      stages: { target: number }[];
    };
    expect(burst.executor).toBe("ramping-arrival-rate");
    expect(burst.startRate).toBe(10);
    expect(burst.preAllocatedVUs).toBeGreaterThan(0);
    expect(Math.max(...burst.stages.map((s) => s.target))).toBe(200);
    expect(options.thresholds).toEqual({
      http_req_duration: ["p(95)<300"],
      http_req_failed: ["rate<0.01"],
      checks: ["rate>0.99"],
    });
  });

  it("takes the peak rate from PEAK_RATE", async () => {
    const { options } = await load("webhook-burst.js", { ...ENV, PEAK_RATE: "40" });
    const stages = options.scenarios.burst.stages as { target: number }[];
    expect(Math.max(...stages.map((s) => s.target))).toBe(40);
  });

  it("sends each delivery signed, with its own webhook-id, and only 202 counts as success", async () => {
    const script = await load("webhook-burst.js", ENV);
    k6.handler = () => ({ status: 202, json: { runId: RUN_ID, statusUrl: STATUS_URL } });
    iterate(script, 3);

    expect(k6.requests).toHaveLength(3);
    for (const req of k6.requests) {
      expect(req).toMatchObject({ method: "POST", url: WEBHOOK_URL, expected: [202] });
      expect(BacktestRequestSchema.parse(verified(req))).toMatchObject({
        strategy: "sma-crossover",
        data: { synthetic: { bars: 500, seed: 7 } },
      });
    }
    const ids = k6.requests.map((r) => r.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(3);
    expect(k6.checks).toEqual(Array(3).fill({ name: "status is 202", ok: true }));
  });

  it("uses new webhook-ids in every test run, so a second run is not answered as a replay", async () => {
    const script = await load("webhook-burst.js", ENV);
    k6.handler = () => ({ status: 202, json: {} });
    iterate(script);
    iterate(script);
    const [first, second] = k6.requests.map((r) => r.headers["webhook-id"]);
    expect(first).not.toBe(second);
  });

  it("fails the check on a 429", async () => {
    const script = await load("webhook-burst.js", ENV);
    k6.handler = () => ({ status: 429, headers: { "Retry-After": "10" } });
    iterate(script);
    expect(k6.checks).toEqual([{ name: "status is 202", ok: false }]);
  });
});

describe("end-to-end.js", () => {
  it("runs RUNS (20) sweeps and requires all to succeed, p95 under MAX_SECONDS (300)", async () => {
    const { options } = await load("end-to-end.js", ENV);
    expect(options.scenarios.sweeps).toMatchObject({
      executor: "shared-iterations",
      iterations: 20,
      vus: 20,
    });
    expect(options.thresholds).toEqual({
      runs_failed: ["count==0"],
      runs_succeeded: ["rate==1"],
      time_to_complete: ["p(95)<300000"],
    });
  });

  it("takes RUNS, VUS and MAX_SECONDS from the environment", async () => {
    const { options } = await load("end-to-end.js", {
      ...ENV,
      RUNS: "5",
      VUS: "2",
      MAX_SECONDS: "120",
    });
    expect(options.scenarios.sweeps).toMatchObject({ iterations: 5, vus: 2 });
    expect(options.thresholds.time_to_complete).toEqual(["p(95)<120000"]);
  });

  it("submits the example sweep signed, polls its statusUrl with the token, and times it", async () => {
    const script = await load("end-to-end.js", { ...ENV, API_TOKEN: "t".repeat(20) });
    pipeline([{ status: 404, json: { error: {} } }, running, running, succeeded]);
    iterate(script);

    const [post, ...polls] = k6.requests;
    const example = JSON.parse(
      readFileSync(new URL("../examples/sma-sweep.json", import.meta.url), "utf8"),
    );
    expect(verified(post)).toMatchObject({
      ...example,
      label: expect.stringMatching(/^k6 end-to-end msg_/),
    });
    expect(polls).toHaveLength(4);
    for (const poll of polls) {
      expect(poll).toMatchObject({ method: "GET", url: STATUS_URL, expected: [200, 404] });
      expect(poll.headers.Authorization).toBe(`Bearer ${"t".repeat(20)}`);
    }
    // Four polls, 2 s apart; a time Trend, so the threshold's milliseconds apply.
    expect(samples("time_to_complete")).toEqual([8000]);
    expect(k6.metrics.get("time_to_complete")?.isTime).toBe(true);
    expect(samples("run_duration")).toEqual([42_000]);
    expect(samples("runs_failed")).toEqual([0]);
    expect(samples("runs_succeeded")).toEqual([1]);
  });

  it("counts a failed run, and does not time it", async () => {
    const script = await load("end-to-end.js", ENV);
    pipeline([running, { status: 200, json: { status: "failed", error: "shard 0: boom" } }]);
    iterate(script);
    expect(samples("runs_failed")).toEqual([1]);
    expect(samples("runs_succeeded")).toEqual([0]);
    expect(samples("time_to_complete")).toEqual([]);
    expect(k6.checks).toContainEqual({ name: "run succeeded", ok: false });
  });

  it("counts a run still running after TIMEOUT_SECONDS as failed", async () => {
    const script = await load("end-to-end.js", { ...ENV, TIMEOUT_SECONDS: "10" });
    pipeline([running]);
    iterate(script);
    expect(k6.requests.filter((r) => r.method === "GET")).toHaveLength(5);
    expect(k6.metrics.get("runs_failed")?.samples).toEqual([
      { value: 1, tags: { reason: "timed out" } },
    ]);
  });

  it("retries a 429 after Retry-After, with the same webhook-id signed afresh", async () => {
    const script = await load("end-to-end.js", ENV);
    pipeline([succeeded], [{ status: 429, headers: { "Retry-After": "7" } }]);
    iterate(script);
    const posts = k6.requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0].headers["webhook-id"]).toBe(posts[1].headers["webhook-id"]);
    expect(
      Number(posts[1].headers["webhook-timestamp"]) - Number(posts[0].headers["webhook-timestamp"]),
    ).toBe(7);
    for (const post of posts) expect(verified(post)).toBeTruthy();
    expect(samples("runs_succeeded")).toEqual([1]);
  });

  it("counts a refused webhook as a failed run, without polling", async () => {
    const script = await load("end-to-end.js", ENV);
    k6.handler = () => ({ status: 401, json: { error: { code: "unauthorized" } } });
    iterate(script);
    expect(k6.requests).toHaveLength(1);
    expect(samples("runs_failed")).toEqual([1]);
  });

  it("polls API_URL instead of the statusUrl's host when it is set", async () => {
    const script = await load("end-to-end.js", { ...ENV, API_URL: "http://localhost:8081/" });
    pipeline([succeeded]);
    iterate(script);
    expect(k6.requests[1].url).toBe(`http://localhost:8081/runs/${RUN_ID}`);
  });
});

// The embedded stack's /metrics, scraped after one signed webhook ran through the whole pipeline.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtestCompleted, backtestRequested } from "../events/index.ts";
import type { Stack } from "./start-stack.ts";
import { postSigned, waitForRun } from "./test-support/client.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SMALL = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 400, seed: 7 } },
};

/** The value of the sample `name` with exactly `labels`, from exposition text; undefined if absent. */
function sampleIn(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([k, v]) => found[k] === v)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe("GET /metrics on the embedded stack", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTestStack(
      { DATA_DIR: join(REPO, "data"), WEBHOOK_SECRET: SECRET, MAX_COMBINATIONS: "500" },
      "metrics",
    );
  });
  afterAll(async () => {
    await stack?.stop(20_000);
  });

  it("counts the webhook, its events, its Job, its shard and its run", async () => {
    const accepted = await postSigned(stack.url, SECRET, SMALL);
    expect(accepted.status).toBe(202);
    const run = await waitForRun(stack.url, String(accepted.json.runId));
    expect(run.status).toBe("succeeded");
    await stack.broker.drain(5_000); // notify's delivery of `completed`

    const response = await fetch(`${stack.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    expect(
      sampleIn(text, "zixly_webhooks_received_total", { source: "backtest", outcome: "accepted" }),
    ).toBe(1);
    expect(
      sampleIn(text, "zixly_events_published_total", {
        type: backtestRequested.type,
        outcome: "ok",
      }),
    ).toBe(1);
    expect(
      sampleIn(text, "zixly_events_published_total", {
        type: backtestCompleted.type,
        outcome: "ok",
      }),
    ).toBe(1);
    expect(
      sampleIn(text, "zixly_events_consumed_total", {
        type: backtestRequested.type,
        function: "dispatch-backtest",
        outcome: "ok",
      }),
    ).toBe(1);
    expect(
      sampleIn(text, "zixly_handler_duration_seconds_count", { function: "record-result" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleIn(text, "zixly_jobs_launched_total", { launcher: "local" })).toBe(1);
    expect(sampleIn(text, "zixly_shards_launched_total", { launcher: "local" })).toBe(1);
    expect(
      sampleIn(text, "zixly_shards_finished_total", { outcome: "succeeded", reason: "none" }),
    ).toBe(1);
    expect(sampleIn(text, "zixly_shard_bar_evaluations_per_second_count")).toBe(1);
    expect(sampleIn(text, "zixly_run_duration_seconds_count", { status: "succeeded" })).toBe(1);
    expect(
      sampleIn(text, "zixly_broker_deliveries_total", {
        subscriber: "notify",
        outcome: "delivered",
      }),
    ).toBe(1);
    expect(sampleIn(text, "zixly_runs_in_flight", { status: "running" })).toBe(0);
    expect(sampleIn(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    // No run id anywhere: not as a label, not as a value.
    expect(text).not.toContain(String(accepted.json.runId));
  });

  it("leaves every other route to the api", async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

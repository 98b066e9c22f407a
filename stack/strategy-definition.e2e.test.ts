// End to end with a strategy definition: examples/rules-sweep.json, sharded, to a succeeded run the api shows.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtestContext, runBacktest } from "../backtest-job/engine/backtest.ts";
import { resolveStrategy } from "../backtest-job/engine/strategies/index.ts";
import { syntheticBars } from "../backtest-job/engine/synthetic.ts";
import type { Stack } from "./start-stack.ts";
import { postSigned, waitForRun } from "./test-support/client.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EXAMPLE = readFileSync(new URL("../examples/rules-sweep.json", import.meta.url), "utf8");

interface Row {
  readonly comboIndex: number;
  readonly params: Record<string, number>;
  readonly stats: Record<string, number | null>;
}

describe("a strategy definition, end to end", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTestStack(
      { WEBHOOK_SECRET: SECRET, MAX_BODY_BYTES: String(64 * 1024), MAX_COMBINATIONS: "500" },
      "e2e-definition",
    );
  });
  afterAll(async () => {
    await stack?.stop(20_000);
  });

  it("runs examples/rules-sweep.json on 2 shards to every row, and the api gives its definition back", async () => {
    // Size, stop-loss, take-profit, heldFor, and a grid under a `<` constraint: 26 combinations.
    const request = { ...JSON.parse(EXAMPLE), shards: 2 };
    const accepted = await postSigned(stack.url, SECRET, request);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(202);
    const runId = String(accepted.json.runId);
    const run = await waitForRun(stack.url, runId);
    expect(run, JSON.stringify(run)).toMatchObject({
      status: "succeeded",
      strategy: "trend-pullback",
      combinations: 26,
      shards: 2,
      progress: { done: 26, total: 26 },
    });
    // The definition as it was sent, keys in their order (the store keeps it as text).
    expect(JSON.stringify(run.definition)).toBe(JSON.stringify(request.strategy));

    const page = (await (await fetch(`${stack.url}/runs/${runId}/results?limit=100`)).json()) as {
      total: number;
      results: Row[];
    };
    expect(page.total).toBe(26);
    expect(new Set(page.results.map((r) => r.comboIndex)).size).toBe(26);
    for (const r of page.results) expect(r.params.fast).toBeLessThan(r.params.slow);

    // The stored best row is what the engine's single backtest gives for its parameters.
    const best = page.results[0];
    expect(best.stats.trades).toBeGreaterThan(0);
    const bars = syntheticBars(request.data.synthetic);
    const single = runBacktest(
      backtestContext(bars),
      resolveStrategy(request.strategy),
      best.params,
      {
        commission: request.commission,
        mode: request.mode,
      },
    );
    for (const [name, value] of Object.entries(best.stats)) {
      const expected = (single.stats as unknown as Record<string, unknown>)[name];
      if (typeof value === "number" && typeof expected === "number") {
        expect(value, name).toBeCloseTo(expected, 9);
      }
    }
    expect(best.stats.trades).toBe(single.stats.trades);

    // A built-in's run shows the built-in's own definition.
    const named = await postSigned(stack.url, SECRET, {
      strategy: "sma-crossover",
      params: { fast: 5, slow: 20 },
      data: { synthetic: { bars: 300, seed: 1 } },
    });
    const namedRun = await waitForRun(stack.url, String(named.json.runId));
    expect(namedRun.status).toBe("succeeded");
    expect(namedRun.definition).toEqual(resolveStrategy("sma-crossover").definition);
  });

  it("refuses a malformed definition with 400 and its paths, and records nothing", async () => {
    const request = JSON.parse(EXAMPLE);
    request.strategy.entry.long.and = [request.strategy.entry.long.and[0]];
    request.strategy.series.fastMa = { sma: { period: { param: "quick" } } };
    const refused = await postSigned(stack.url, SECRET, request);
    expect(refused.status).toBe(400);
    const issues = (refused.json.error as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toContain("strategy.entry.long.and");
  });
});

// `zixly run ID` against a fake API: key/value lines, the best combination, JSON, a missing run.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type FakeApi, fakeApi, RUN_ID, runView } from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

/** language.md's full example: a crossover with a Donchian exit, an ATR stop and a target. */
const SMA_CROSS_ATR_STOP = {
  name: "sma-cross-atr-stop",
  parameters: { fast: { integer: true, min: 1 }, slow: { integer: true, min: 2 } },
  constraints: [{ left: "fast", op: "<", right: "slow" }],
  entry: {
    long: {
      crossesAbove: [
        { sma: { period: { param: "fast" } } },
        { sma: { period: { param: "slow" } } },
      ],
    },
  },
  exit: {
    long: { "<": ["close", { previous: { donchian: { period: 20, band: "lower" } } }] },
  },
  size: 0.5,
  stopLoss: { atr: 14, multiple: 2 },
  takeProfit: { percent: 6 },
};

/** `name  value` lines as a map; indented names (the best's statistics) keep their indent. */
function pairs(text: string): Map<string, string> {
  return new Map(
    text
      .trimEnd()
      .split("\n")
      .map((line) => {
        const [, name, value] = /^(\s*\S+)\s{2,}(.*)$/.exec(line) ?? [];
        return [name, value];
      }),
  );
}

describe("zixly run", () => {
  let api: FakeApi;
  beforeEach(() => {
    vi.stubEnv("ZIXLY_URL", "");
    vi.stubEnv("ZIXLY_TOKEN", "");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("prints status, progress, times and the best combination with its main statistics", async () => {
    api = await fakeApi(() => ({ json: runView() }));
    const { code, stdout, stderr } = await runCli(["run", RUN_ID, "--url", api.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(api.requests.map((r) => r.path)).toEqual([`/runs/${RUN_ID}`]);
    expect(Object.fromEntries(pairs(stdout))).toEqual({
      runId: RUN_ID,
      status: "succeeded",
      strategy: "sma-crossover",
      label: "nightly",
      combinations: "6 in 2 shards",
      progress: "6/6 100.0%",
      created: "2024-05-01 10:00:00",
      started: "2024-05-01 10:00:01",
      finished: "2024-05-01 10:01:06",
      duration: "1m05s",
      best: "#3 fast=10 slow=20",
      "  equityFinal": "12345.68",
      "  returnPct": "23.4568",
      "  maxDrawdownPct": "-8.5000",
      "  sharpeRatio": "1.2346",
      "  trades": "12",
      "  winRatePct": "58.3333",
    });
  });

  it("a failed run shows its error and code, and no best", async () => {
    api = await fakeApi(() => ({
      json: runView({
        status: "failed",
        best: null,
        label: null,
        progress: { done: 2, total: 6 },
        error: "shard 1 ran out of memory",
        errorCode: "job_failed",
      }),
    }));
    const { code, stdout } = await runCli(["run", RUN_ID, "--url", api.url]);
    expect(code).toBe(0);
    const shown = pairs(stdout);
    expect(shown.get("status")).toBe("failed");
    expect(shown.get("progress")).toBe("2/6 33.3%");
    expect(shown.get("error")).toBe("[job_failed] shard 1 ran out of memory");
    expect(shown.has("best")).toBe(false);
    expect(shown.has("label")).toBe(false);
  });

  it("shows the data source and sort statistic when the API sends them", async () => {
    api = await fakeApi(() => ({
      json: runView({
        dataSource: { kind: "synthetic", detail: "300 bars, seed 1" },
        sort: "returnPct",
      }),
    }));
    const shown = pairs((await runCli(["run", RUN_ID, "--url", api.url])).stdout);
    expect(shown.get("data")).toBe("synthetic: 300 bars, seed 1");
    expect(shown.get("sort")).toBe("returnPct");
  });

  it("a queued run has no start, finish or duration yet", async () => {
    api = await fakeApi(() => ({
      json: runView({
        status: "queued",
        best: null,
        progress: { done: 0, total: 6 },
        startedAt: null,
        finishedAt: null,
      }),
    }));
    const shown = pairs((await runCli(["run", RUN_ID, "--url", api.url])).stdout);
    expect([shown.get("started"), shown.get("finished"), shown.get("duration")]).toEqual([
      "-",
      "-",
      "-",
    ]);
  });

  it("--json prints the API's run view as it came", async () => {
    api = await fakeApi(() => ({ json: runView() }));
    const { code, stdout } = await runCli(["run", "--json", RUN_ID, "--url", api.url]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(runView());
  });

  it("prints the run's definition after the details, its rules as text", async () => {
    api = await fakeApi(() => ({ json: runView({ definition: SMA_CROSS_ATR_STOP }) }));
    const { code, stdout } = await runCli(["run", RUN_ID, "--url", api.url]);
    expect(code).toBe(0);
    const [details, definition] = stdout.split("\n\n");
    expect(pairs(details).get("best")).toBe("#3 fast=10 slow=20");
    expect(definition).toBe(
      [
        "definition   sma-cross-atr-stop",
        "entry.long   SMA(fast) crosses above SMA(slow)",
        "exit.long    close < lower Donchian(20) 1 bar ago",
        "param.fast   10  (integer, >= 1)",
        "param.slow   20  (integer, >= 2)",
        "constraints  fast < slow",
        "size         50% of available margin",
        "stopLoss     2 × ATR(14) from the signal bar's close",
        "takeProfit   6% from the signal bar's close",
        "",
      ].join("\n"),
    );
  });

  it("--json prints the definition unchanged", async () => {
    api = await fakeApi(() => ({ json: runView({ definition: SMA_CROSS_ATR_STOP }) }));
    const { stdout } = await runCli(["run", "--json", RUN_ID, "--url", api.url]);
    expect(JSON.parse(stdout).definition).toEqual(SMA_CROSS_ATR_STOP);
  });

  it("a run without a definition (stored before runs kept one) prints no definition", async () => {
    api = await fakeApi(() => ({ json: runView() }));
    const { stdout } = await runCli(["run", RUN_ID, "--url", api.url]);
    expect(stdout).not.toContain("\n\n");
    expect(stdout).not.toMatch(/^definition/m);
  });

  it("an unknown run exits 2 naming it", async () => {
    api = await fakeApi(() => ({
      status: 404,
      json: { error: { code: "not_found", message: 'no run "run_nope"' } },
    }));
    const { code, stdout, stderr } = await runCli(["run", "run_nope", "--url", api.url]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: no run run_nope\n",
    });
  });

  it("an ID is escaped into the path", async () => {
    api = await fakeApi(() => ({
      status: 404,
      json: { error: { code: "not_found", message: "" } },
    }));
    await runCli(["run", "a/b?c", "--url", api.url]);
    expect(api.requests[0].path).toBe("/runs/a%2Fb%3Fc");
  });

  it.each([
    [[], /^error: run: missing run ID; usage: zixly run ID$/],
    [[RUN_ID, "again"], /^error: run: unexpected argument "again"; usage: zixly run ID$/],
    [[RUN_ID, "--sort", "x"], /^error: unknown flag --sort for run; /],
  ])("%j exits 2", async (argv, message) => {
    const { code, stdout, stderr } = await runCli(["run", ...argv]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.trimEnd()).toMatch(message);
  });
});

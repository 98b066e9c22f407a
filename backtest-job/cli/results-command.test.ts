// `zixly results ID` against a fake API: the table, the query, --sort checks, JSON, paging.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SUMMARY_STATS } from "../engine/summary.ts";
import { type FakeApi, fakeApi, RUN_ID, resultRow } from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

const body = (results: unknown[], extra: Record<string, unknown> = {}) => ({
  runId: RUN_ID,
  status: "succeeded",
  total: results.length,
  sort: "sharpeRatio",
  order: "desc",
  limit: 50,
  offset: 0,
  results,
  ...extra,
});
const ROWS = [resultRow(3, 10, 1.23456), resultRow(0, 5, null)];

describe("zixly results", () => {
  let api: FakeApi;
  beforeEach(() => {
    vi.stubEnv("ZIXLY_URL", "");
    vi.stubEnv("ZIXLY_TOKEN", "");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("prints one row per combination: index, params, main statistics", async () => {
    api = await fakeApi(() => ({ json: body(ROWS) }));
    const { code, stdout, stderr } = await runCli(["results", RUN_ID, "--url", api.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const lines = stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.trim().split(/\s+/));
    expect(lines[0]).toEqual([
      "#",
      "fast",
      "slow",
      "equityFinal",
      "returnPct",
      "maxDrawdownPct",
      "sharpeRatio",
      "trades",
      "winRatePct",
    ]);
    expect(lines[2]).toEqual(["3", "10", "20", "10300", "4.5000", "-5.2500", "1.2346", "13", "50"]);
    // A NaN statistic arrives as null and reads "-".
    expect(lines[3]).toEqual(["0", "5", "20", "10000", "0", "-5.2500", "-", "10", "50"]);
    expect(api.requests[0].path).toBe(`/runs/${RUN_ID}/results`);
    expect([...api.requests[0].query]).toEqual([]);
  });

  it("sends --sort, --order, --limit and --offset, and shows a sort column not shown by default", async () => {
    api = await fakeApi(() => ({
      json: body(ROWS, { sort: "profitFactor", order: "asc", total: 10, limit: 2, offset: 4 }),
    }));
    const { code, stdout, stderr } = await runCli([
      "results",
      RUN_ID,
      "--url",
      api.url,
      "--sort",
      "profitFactor",
      "--order",
      "asc",
      "--limit",
      "2",
      "--offset",
      "4",
    ]);
    expect(code).toBe(0);
    expect(Object.fromEntries(api.requests[0].query)).toEqual({
      sort: "profitFactor",
      order: "asc",
      limit: "2",
      offset: "4",
    });
    expect(stdout.split("\n")[0].trim().split(/\s+/).at(-1)).toBe("profitFactor");
    expect(stderr).toBe("results 5-6 of 10 by profitFactor asc; --offset 6 for more\n");
  });

  it("--json prints the API's page as it came", async () => {
    api = await fakeApi(() => ({ json: body(ROWS) }));
    const { code, stdout } = await runCli(["results", RUN_ID, "--url", api.url, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(body(ROWS));
  });

  it("a running run with no rows yet says so on stderr", async () => {
    api = await fakeApi(() => ({ json: body([], { status: "running" }) }));
    const { code, stdout, stderr } = await runCli(["results", RUN_ID, "--url", api.url]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(stderr).toBe(`run ${RUN_ID} is running: no results yet\n`);
  });

  it("an unknown --sort exits 2 listing the summary statistics, without a request", async () => {
    api = await fakeApi(() => ({ json: body(ROWS) }));
    const { code, stdout, stderr } = await runCli([
      "results",
      RUN_ID,
      "--url",
      api.url,
      "--sort",
      "pnl",
    ]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toBe(
      `error: --sort: unknown statistic "pnl"; allowed: ${SUMMARY_STATS.join(", ")}\n`,
    );
    expect(api.requests).toEqual([]);
  });

  it("an unknown run exits 2 naming it", async () => {
    api = await fakeApi(() => ({
      status: 404,
      json: { error: { code: "not_found", message: "x" } },
    }));
    const { code, stderr } = await runCli(["results", "run_gone", "--url", api.url]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: "error: no run run_gone\n" });
  });

  it.each([
    [["--order", "up"], /^error: --order: "up" is not an order; use asc or desc$/],
    [["--limit", "x"], /^error: --limit: "x" is not a whole number/],
    [["--offset", "x"], /^error: --offset: "x" is not a whole number/],
  ])("%j exits 2", async (flags, message) => {
    const { code, stdout, stderr } = await runCli(["results", RUN_ID, ...flags]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.trimEnd()).toMatch(message);
  });

  it("needs the run ID", async () => {
    const { code, stderr } = await runCli(["results", "--sort", "returnPct"]);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: "error: results: missing run ID; usage: zixly results ID\n",
    });
  });
});

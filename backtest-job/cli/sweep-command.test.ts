// `zixly sweep` in-process: the JSON contract, sharding, the progress bar and the table.
import { describe, expect, it } from "vitest";
import { STAT_NAMES } from "../engine/stats.ts";
import { SUMMARY_STATS } from "../engine/summary.ts";
import { DATA, GRID, ISO, runCli, SMA } from "./test-support/run-cli.ts";

describe("sweep", () => {
  it("prints the counters, the top rows and the best combination in full as JSON", async () => {
    const { code, stdout, stderr } = await runCli([
      "sweep",
      ...DATA,
      ...SMA,
      ...GRID,
      "--top",
      "4",
      "--sort",
      "returnPct",
      "--workers",
      "2",
      "--json",
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual(
      [
        "barEvaluationsPerSecond",
        "best",
        "combinations",
        "elapsedMs",
        "evaluated",
        "results",
      ].sort(),
    );
    expect(out.combinations).toBe(6);
    expect(out.evaluated).toBe(6);
    expect(out.results).toHaveLength(4);
    for (const row of out.results)
      expect(Object.keys(row).sort()).toEqual(["params", ...SUMMARY_STATS].sort());
    const returns = out.results.map((r: { returnPct: number }) => r.returnPct);
    expect(returns).toEqual([...returns].sort((a, b) => b - a));
    expect(out.best.params).toEqual(out.results[0].params);
    expect(out.best.stats.returnPct).toBeCloseTo(out.results[0].returnPct, 9);
    expect(Object.keys(out.best.stats)).toEqual([...STAT_NAMES]);
    expect(out.best.trades[0].entryTime).toMatch(ISO);
    expect(out.best.equityCurve[0][0]).toMatch(ISO);
  });

  it("sweeps only the given shard", async () => {
    const { code, stdout } = await runCli([
      "sweep",
      ...DATA,
      ...SMA,
      ...GRID,
      "--shard",
      "1/4",
      "--json",
    ]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect({ combinations: out.combinations, evaluated: out.evaluated }).toEqual({
      combinations: 6,
      evaluated: 2,
    });
  });

  it("draws progress on a terminal's stderr and clears it, and prints a table", async () => {
    const { code, stdout, stderr } = await runCli(
      ["sweep", ...DATA, ...SMA, ...GRID, "--workers", "1"],
      true,
    );
    expect(code).toBe(0);
    expect(stderr).toContain("6/6  100.0%");
    expect(stderr.endsWith("\r\x1b[K")).toBe(true);
    expect(stdout).toMatch(/^rank +params +equityFinal/m);
    expect(stdout).toMatch(/^ +1 +fast=\d+ slow=\d+ /m);
  });

  it("draws no progress when stderr is not a terminal", async () => {
    const { code, stderr } = await runCli(["sweep", ...DATA, ...SMA, ...GRID, "--workers", "1"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });
});

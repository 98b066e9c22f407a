// Every bad-input path through main: exit 2, nothing on stdout, one stderr line saying where.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { DATA, GRID, PARAMS, runCli, SMA } from "./test-support/run-cli.ts";

describe("bad input exits 2 with one line naming what and where", () => {
  let badCsv: string;
  beforeAll(async () => {
    badCsv = join(tempDir("zixly-cli-"), "bad.csv");
    const rows = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"];
    const lines = rows.map((d, i) => `${d},10,11,9,${i === 4 ? "abc" : "10"},100`);
    await writeFile(badCsv, ["Date,Open,High,Low,Close,Volume", ...lines].join("\n"));
  });

  const backtest = (...flags: string[]) => ["backtest", ...DATA, ...SMA, ...PARAMS, ...flags];
  const sweep = (...flags: string[]) => ["sweep", ...DATA, ...SMA, ...GRID, ...flags];
  const cases: [string, () => string[], RegExp][] = [
    [
      "unknown strategy",
      () => ["backtest", ...DATA, "--strategy", "foo", ...PARAMS],
      /^error: unknown strategy "foo"; known strategies: sma-crossover, /,
    ],
    [
      "invalid parameter",
      () => backtest("--params", '{"fast":30,"slow":20}'),
      /^error: --params: invalid parameters for sma-crossover: fast: fast must be less than slow$/,
    ],
    [
      "--params not JSON",
      () => backtest("--params", "{fast:5}"),
      /^error: --params: invalid JSON: /,
    ],
    ["--grid not JSON", () => sweep("--grid", "[1,"), /^error: --grid: invalid JSON: /],
    [
      "empty grid list",
      () => sweep("--grid", '{"fast":[],"slow":[20]}'),
      /^error: --grid: grid\.fast: the list is empty$/,
    ],
    [
      "CSV problem",
      () => ["backtest", "--data", badCsv, ...SMA, ...PARAMS],
      /^error: --data: CSV line 6, column Close: "abc" is not a number$/,
    ],
    [
      "missing file",
      () => ["backtest", "--data", "x.csv", ...SMA, ...PARAMS],
      /^error: --data: cannot read "x\.csv": no such file$/,
    ],
    [
      "bad synthetic form",
      () => backtest("--data", "synthetic:10"),
      /^error: --data: "synthetic:10" must be synthetic:BARS:SEED/,
    ],
    [
      "too few bars",
      () => backtest("--data", "synthetic:1:1"),
      /^error: --data: need at least 2 bars/,
    ],
    [
      "missing --data",
      () => ["backtest", ...SMA, ...PARAMS],
      /^error: backtest: missing required flag --data$/,
    ],
    [
      "missing --strategy",
      () => ["backtest", ...DATA, ...PARAMS],
      /^error: backtest: missing required flag --strategy or --strategy-file$/,
    ],
    ["missing --params", () => ["backtest", ...DATA, ...SMA], /missing required flag --params$/],
    [
      "missing --grid",
      () => ["sweep", ...DATA, ...SMA],
      /^error: sweep: missing required flag --grid$/,
    ],
    [
      "--cash not a number",
      () => backtest("--cash", "abc"),
      /^error: --cash: "abc" is not a number$/,
    ],
    ["--cash hex", () => backtest("--cash", "0x10"), /^error: --cash: "0x10" is not a number$/],
    ["--cash negative", () => backtest("--cash=-5"), /^error: --cash: -5 is out of range: /],
    ["--cash dash value", () => backtest("--cash", "-5"), /^error: --cash: missing value/],
    [
      "--commission not a number",
      () => backtest("--commission", "1%"),
      /^error: --commission: "1%" is not a number$/,
    ],
    [
      "--commission too big",
      () => backtest("--commission", "0.9"),
      /^error: --commission: 0\.9 is out of range: /,
    ],
    [
      "bad --mode",
      () => backtest("--mode", "short"),
      /^error: --mode: "short" is not a mode; use long-short or long-only$/,
    ],
    [
      "--top zero",
      () => sweep("--top", "0"),
      /^error: --top: "0" is not a whole number of at least 1$/,
    ],
    ["--top fraction", () => sweep("--top", "2.5"), /^error: --top: "2\.5" is not a whole number/],
    [
      "--workers not a number",
      () => sweep("--workers", "many"),
      /^error: --workers: "many" is not a whole number/,
    ],
    [
      "bad --shard",
      () => sweep("--shard", "4/4"),
      /^error: --shard: shard "4\/4" must be i\/n with 0 <= i < n/,
    ],
    [
      "bad --sort",
      () => sweep("--sort", "pnl"),
      /^error: --sort: unknown statistic "pnl"; allowed: equityFinal, returnPct, /,
    ],
    [
      "unknown command",
      () => ["frob"],
      /^error: unknown command "frob"; commands: backtest, sweep, submit, runs, run, results, watch, help$/,
    ],
    ["unknown flag", () => backtest("--speed", "1"), /^error: unknown flag --speed for backtest; /],
    [
      "sweep flag on backtest",
      () => backtest("--top", "3"),
      /^error: unknown flag --top for backtest; /,
    ],
    ["value on a boolean flag", () => backtest("--json=yes"), /^error: --json: takes no value$/],
    ["stray argument", () => backtest("extra"), /^error: backtest: unexpected argument "extra"/],
    [
      "unknown help topic",
      () => ["help", "colours"],
      /^error: help: unknown topic "colours"; topics: strategies$/,
    ],
  ];

  it.each(cases)("%s", async (_name, argv, message) => {
    const { code, stdout, stderr } = await runCli(argv());
    expect(stderr.endsWith("\n") && stderr.indexOf("\n") === stderr.length - 1).toBe(true);
    expect(stderr.trimEnd()).toMatch(message);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
  });
});

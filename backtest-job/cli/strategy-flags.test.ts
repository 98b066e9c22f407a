// `--strategy-file` for backtest, sweep and submit: runs a definition, and names the file and path when it cannot.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { getStrategy } from "../engine/strategies/index.ts";
import { type FakeApi, fakeApi, RUN_ID } from "./test-support/fake-api.ts";
import { DATA, GRID, PARAMS, runCli, SMA } from "./test-support/run-cli.ts";

const SECRET = `whsec_${Buffer.from("a test secret of 32 bytes length").toString("base64")}`;

/** An RSI dip-buyer with a stop and a take-profit: two parameters the sweep sizes. */
const DIP = {
  name: "rsi-dip",
  parameters: { period: { integer: true }, level: { min: 1, max: 99 } },
  series: { strength: { rsi: { period: { param: "period" } } } },
  entry: { long: { heldFor: { bars: 2, condition: { "<": ["strength", { param: "level" }] } } } },
  exit: { long: { ">": ["strength", 70] } },
  size: 0.5,
  stopLoss: { percent: 5 },
  takeProfit: { atr: 14, multiple: 3 },
};

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = tempDir("zixly-strategy-file-");
  await writeFile(file("sma.json"), JSON.stringify(getStrategy("sma-crossover").definition));
  await writeFile(file("dip.json"), JSON.stringify(DIP));
  await writeFile(file("not-json.json"), '{"entry": ');
  await writeFile(file("array.json"), "[]");
  const bad = { ...DIP, entry: { long: { and: [{ "<": ["close", "strength"] }] } } };
  await writeFile(file("bad.json"), JSON.stringify(bad));
  const unknown = { ...DIP, entry: { long: { "<": ["close", "strenght"] } }, size: 2 };
  await writeFile(file("unknown.json"), JSON.stringify(unknown));
  await writeFile(file("request.json"), JSON.stringify({ strategy: "sma-crossover", label: "x" }));
});

const json = async (argv: string[]) => {
  const { code, stdout, stderr } = await runCli([...argv, "--json"]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout);
};

describe("--strategy-file runs a definition", () => {
  it("backtests a built-in's definition to the built-in's numbers", async () => {
    const named = await json(["backtest", ...DATA, ...SMA, ...PARAMS]);
    const defined = await json([
      "backtest",
      ...DATA,
      "--strategy-file",
      file("sma.json"),
      ...PARAMS,
    ]);
    expect(defined.stats).toEqual(named.stats);
    expect(defined.stats.trades).toBeGreaterThan(0);
  });

  it("sweeps a definition with orders on worker threads as on one thread", async () => {
    // 40 periods x 60 levels = 2,400 combinations: past the 2,000 a sweep needs to use workers.
    const grid = '{"period":{"from":2,"to":41,"step":1},"level":{"from":20,"to":79,"step":1}}';
    const argv = ["sweep", ...DATA, "--strategy-file", file("dip.json"), "--grid", grid];
    const one = await json([...argv, "--workers", "1", "--top", "5"]);
    const two = await json([...argv, "--workers", "2", "--top", "5"]);
    expect(one.combinations).toBe(2400);
    expect(two.results).toEqual(one.results);
    expect(one.results[0].trades).toBeGreaterThan(0);
  });

  it("names the definition in the table", async () => {
    const grid = '{"period":14,"level":[25,30]}';
    const argv = ["sweep", ...DATA, "--strategy-file", file("dip.json"), "--grid", grid];
    const { code, stdout } = await runCli(argv);
    expect(code).toBe(0);
    expect(stdout).toContain("rsi-dip");
  });
});

describe("--strategy-file refuses with one line naming the file and the path inside it", () => {
  const backtest = (...flags: string[]) => ["backtest", ...DATA, ...PARAMS, ...flags];
  const cases: [string, () => string[], RegExp][] = [
    [
      "a missing file",
      () => backtest("--strategy-file", file("nope.json")),
      /^error: --strategy-file: cannot read ".*nope\.json": no such file$/,
    ],
    [
      "a directory",
      () => backtest("--strategy-file", dir),
      /^error: --strategy-file: cannot read ".*": it is a directory$/,
    ],
    [
      "a file that is not JSON",
      () => backtest("--strategy-file", file("not-json.json")),
      /^error: --strategy-file: ".*not-json\.json" is not JSON: /,
    ],
    [
      "JSON that is not an object",
      () => backtest("--strategy-file", file("array.json")),
      /^error: --strategy-file: ".*array\.json" holds no definition: expected a JSON object$/,
    ],
    [
      "a definition its schema refuses",
      () => backtest("--strategy-file", file("bad.json")),
      /^error: --strategy-file: ".*bad\.json": entry\.long\.and: needs at least 2 conditions$/,
    ],
    [
      "an unknown series and a size out of range",
      () => backtest("--strategy-file", file("unknown.json")),
      /^error: --strategy-file: ".*unknown\.json": entry\.long\.<\.1: "strenght" is neither .*; size: .*$/,
    ],
    [
      "both --strategy and --strategy-file",
      () => backtest(...SMA, "--strategy-file", file("sma.json")),
      /^error: backtest: give --strategy or --strategy-file, not both$/,
    ],
    [
      "neither, for sweep",
      () => ["sweep", ...DATA, ...GRID],
      /^error: sweep: missing required flag --strategy or --strategy-file$/,
    ],
    [
      "an invalid definition for sweep",
      () => ["sweep", ...DATA, ...GRID, "--strategy-file", file("bad.json")],
      /^error: --strategy-file: ".*bad\.json": entry\.long\.and: /,
    ],
    [
      "an invalid definition for submit, before anything is sent",
      () => [
        "submit",
        "--url",
        "http://127.0.0.1:9/webhooks/backtest",
        "--secret",
        SECRET,
        "--request",
        file("request.json"),
        "--strategy-file",
        file("bad.json"),
      ],
      /^error: --strategy-file: ".*bad\.json": entry\.long\.and: /,
    ],
  ];

  it.each(cases)("%s", async (_name, argv, message) => {
    const { code, stdout, stderr } = await runCli(argv());
    expect(stderr.endsWith("\n") && stderr.indexOf("\n") === stderr.length - 1).toBe(true);
    expect(stderr.trimEnd()).toMatch(message);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
  });
});

describe("submit --strategy-file", () => {
  let api: FakeApi | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it("sends the request with the definition in place of its strategy", async () => {
    api = await fakeApi(() => ({
      status: 202,
      json: { runId: RUN_ID, statusUrl: `${api?.url}/runs/${RUN_ID}` },
    }));
    const argv = ["submit", "--url", `${api.url}/webhooks/backtest`, "--secret", SECRET];
    const { code } = await runCli([
      ...argv,
      "--request",
      file("request.json"),
      "--strategy-file",
      file("dip.json"),
      "--no-wait",
    ]);
    expect(code).toBe(0);
    const sent = JSON.parse(api.requests[0].body);
    expect(sent).toEqual({ strategy: DIP, label: "x" });
    expect(JSON.stringify(sent.strategy)).toBe(JSON.stringify(DIP));
  });
});

// `zixly backtest` in-process: the JSON contract, the options, the table, and the GOOG oracle.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { backtestContext, runBacktest } from "../engine/backtest.ts";
import { STAT_NAMES } from "../engine/stats.ts";
import { STRATEGIES } from "../engine/strategies/index.ts";
import { syntheticBars } from "../engine/synthetic.ts";
import { DATA, ISO, PARAMS, runCli, SMA } from "./test-support/run-cli.ts";

const TRADE_KEYS = [
  "entryBar",
  "exitBar",
  "entryTime",
  "exitTime",
  "units",
  "entryPrice",
  "exitPrice",
  "pnl",
  "returnPct",
];

describe("backtest", () => {
  it("prints one JSON object with params, every statistic and the trades", async () => {
    const { code, stdout, stderr } = await runCli([
      "backtest",
      ...DATA,
      ...SMA,
      ...PARAMS,
      "--json",
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.trimEnd().split("\n")).toHaveLength(1);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(["params", "stats", "trades"]);
    expect(out.params).toEqual({ fast: 5, slow: 20 });
    expect(Object.keys(out.stats)).toEqual([...STAT_NAMES]);
    expect(out.stats.start).toMatch(ISO);
    expect(out.trades.length).toBe(out.stats.trades);
    expect(out.trades.length).toBeGreaterThan(0);
    for (const trade of out.trades) {
      expect(Object.keys(trade)).toEqual(TRADE_KEYS);
      expect(trade.entryTime).toMatch(ISO);
      expect(trade.exitTime).toMatch(ISO);
    }
  });

  it("prints trade returnPct in percent, the engine's fraction times 100", async () => {
    const { stdout } = await runCli(["backtest", ...DATA, ...SMA, ...PARAMS, "--json"]);
    const engine = runBacktest(
      backtestContext(syntheticBars({ bars: 300, seed: 1 })),
      STRATEGIES[0],
      { fast: 5, slow: 20 },
    );
    const printed = JSON.parse(stdout).trades.map((t: { returnPct: number }) => t.returnPct);
    expect(printed).toEqual(engine.trades.map((t) => t.returnPct * 100));
    expect(Math.max(...printed)).toBeCloseTo(engine.stats.bestTradePct, 9);
  });

  it("prints undefined statistics as null when there are no trades", async () => {
    const noTrades = ["--params", '{"fast":5,"slow":290}'];
    const { code, stdout } = await runCli(["backtest", ...DATA, ...SMA, ...noTrades, "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.stats.trades).toBe(0);
    expect(out.stats.winRatePct).toBeNull();
    expect(stdout).not.toMatch(/NaN|Infinity/);
  });

  it("passes --cash, --commission, --mode, --finalize and --trade-on-close to the engine", async () => {
    const flags = ["--cash", "50000", "--commission", "0.002", "--mode", "long-only"];
    const extra = ["--finalize", "--trade-on-close"];
    const { stdout } = await runCli([
      "backtest",
      ...DATA,
      ...SMA,
      ...PARAMS,
      ...flags,
      ...extra,
      "--json",
    ]);
    const engine = runBacktest(
      backtestContext(syntheticBars({ bars: 300, seed: 1 })),
      STRATEGIES[0],
      { fast: 5, slow: 20 },
      {
        cash: 50_000,
        commission: 0.002,
        mode: "long-only",
        finalizeTrades: true,
        tradeOnClose: true,
      },
    );
    const out = JSON.parse(stdout);
    expect(out.stats.equityFinal).toBe(engine.stats.equityFinal);
    expect(out.trades.every((t: { units: number }) => t.units > 0)).toBe(true);
  });

  it("prints aligned statistics and a trades table without --json", async () => {
    const { code, stdout } = await runCli(["backtest", ...DATA, ...SMA, ...PARAMS]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sharpeRatio +-?\d/m);
    expect(stdout).toMatch(/^trades \(\d+\)$/m);
    expect(stdout).toMatch(
      /^entry time +exit time +units +entry price +exit price +pnl +return %$/m,
    );
  });
});

// backtesting.py 0.6.6's GOOG.csv, committed with the engine's parity fixtures.
const GOOG = fileURLToPath(new URL("../engine/fixtures/backtesting-py/GOOG.csv", import.meta.url));

describe("GOOG.csv (backtesting.py's sample data)", () => {
  it("sma-crossover 10/20 with commission 0.002 makes 93 trades and ends at 56263.51934", async () => {
    const { code, stdout } = await runCli([
      "backtest",
      "--data",
      GOOG,
      ...SMA,
      "--params",
      '{"fast":10,"slow":20}',
      "--commission",
      "0.002",
      "--json",
    ]);
    expect(code).toBe(0);
    const { stats } = JSON.parse(stdout);
    expect(stats.trades).toBe(93);
    expect(stats.equityFinal).toBeCloseTo(56263.51934, 4);
  });
});

// Parity with backtesting.py 0.6.6: its own figures, committed with the data, for every clone.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BacktestContext, backtestContext, parseOptions, runBacktest } from "./backtest.ts";
import { sliceBars } from "./bars.ts";
import { parseCsv } from "./csv.ts";
import { planSweep } from "./grid.ts";
import type { BacktestOptionsInput } from "./options.ts";
import { STAT_NAMES, type Stats } from "./stats.ts";
import { getStrategy } from "./strategies/index.ts";
import { SUMMARY_STATS } from "./summary.ts";
import { sweepRows } from "./sweep.ts";

const FIXTURES = new URL("./fixtures/backtesting-py/", import.meta.url);

/** One run of fixtures/backtesting-py/oracle.py: inputs, and backtesting.py's outputs. */
interface Case {
  readonly data: "GOOG.csv" | "EURUSD.csv";
  /** The first `bars` rows of the file. */
  readonly bars: number;
  readonly strategy: string;
  readonly params: Record<string, number>;
  readonly options: BacktestOptionsInput;
  /** Statistics by the engine's names; null where backtesting.py gives NaN. */
  readonly stats: Record<keyof Stats, number | string | null>;
  /** Closed trades: entry bar, exit bar, size, entry price, exit price, profit. */
  readonly trades: [number, number, number, number, number, number][];
  /** Trades still open at the end: entry bar, size, entry price. */
  readonly openTrades: [number, number, number][];
}

const { backtestingPy, cases } = JSON.parse(
  readFileSync(new URL("expected.json", FIXTURES), "utf8"),
) as { backtestingPy: string; cases: Case[] };

const contexts = new Map<string, BacktestContext>();
function contextOf(c: Case): BacktestContext {
  const key = `${c.data}:${c.bars}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    const bars = parseCsv(readFileSync(new URL(c.data, FIXTURES), "utf8"));
    ctx = backtestContext(sliceBars(bars, c.bars));
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Relative agreement to 1e-9 (numpy and the engine may sum in another order). */
function close(actual: number, expected: number | null): boolean {
  if (expected === null) return Number.isNaN(actual);
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

function label(c: Case): string {
  return `${c.data}[:${c.bars}] ${c.strategy} ${JSON.stringify(c.params)} ${JSON.stringify(c.options)}`;
}

describe(`parity with backtesting.py ${backtestingPy}, every statistic and every trade`, () => {
  it("covers both data sets, both finalize cases and a signal on the last bar", () => {
    expect(new Set(cases.map((c) => c.data))).toEqual(new Set(["GOOG.csv", "EURUSD.csv"]));
    const finalizedOnClose = cases.filter(
      (c) => c.options.finalizeTrades && c.options.tradeOnClose,
    );
    expect(finalizedOnClose.length).toBeGreaterThan(0);
    // The re-run of the broker opened a trade from a signal on the last bar and left it open.
    const lastBarEntries = cases.filter(
      (c) =>
        c.options.finalizeTrades &&
        c.openTrades.some(([entry]) => entry >= c.bars - (c.options.tradeOnClose ? 2 : 1)),
    );
    expect(lastBarEntries.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    const ctx = contextOf(c);
    const strategy = getStrategy(c.strategy);
    const result = runBacktest(ctx, strategy, c.params, c.options);
    const problems: string[] = [];
    for (const name of STAT_NAMES) {
      const expected = c.stats[name];
      const actual = result.stats[name];
      if (name === "start" || name === "end") {
        if (Date.parse(actual as string) !== Date.parse(`${expected}Z`)) {
          problems.push(`${name}: ${actual} vs ${expected}`);
        }
      } else if (!close(actual as number, expected as number | null)) {
        problems.push(`${name}: ${actual} vs ${expected}`);
      }
    }
    expect(problems).toEqual([]);
    expect(
      result.trades.map((t) => [t.entryBar, t.exitBar, t.units, t.entryPrice, t.exitPrice]),
    ).toEqual(
      c.trades.map(([entry, exit, size, entryPrice, exitPrice]) => [
        entry,
        exit,
        size,
        entryPrice,
        exitPrice,
      ]),
    );
    c.trades.forEach(([, , , , , pnl], k) => {
      expect(
        close(result.trades[k].pnl, pnl),
        `trade ${k} pnl ${result.trades[k].pnl} vs ${pnl}`,
      ).toBe(true);
    });
    const open = result.openTrade;
    expect(open ? [[open.entryBar, open.units, open.entryPrice]] : []).toEqual(c.openTrades);

    // The sweep kernel gives the same summary for the same combination.
    const grid = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, [v]]));
    const [row] = sweepRows(ctx, planSweep(strategy, grid), [0], parseOptions(c.options));
    for (const name of SUMMARY_STATS) {
      expect(close(row[name], c.stats[name] as number | null), `sweep ${name}: ${row[name]}`).toBe(
        true,
      );
    }
  });
});

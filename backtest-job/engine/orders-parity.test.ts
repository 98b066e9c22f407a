// Parity with backtesting.py 0.6.6 for sized entries, stop-losses and take-profits.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BacktestContext, backtestContext, parseOptions, runBacktest } from "./backtest.ts";
import { sliceBars } from "./bars.ts";
import { parseCsv } from "./csv.ts";
import { strategyFromDefinition } from "./definition/compile.ts";
import { DefinitionSchema } from "./definition/schema.ts";
import { planSweep } from "./grid.ts";
import type { BacktestOptionsInput } from "./options.ts";
import { STAT_NAMES, type Stats } from "./stats.ts";
import type { AnyStrategy } from "./strategy.ts";
import { SUMMARY_STATS } from "./summary.ts";
import { sweepRows } from "./sweep.ts";
import { anyBracketedCrossover, type OrdersSyntax } from "./test-support/bracketed-crossover.ts";

const FIXTURES = new URL("./fixtures/backtesting-py/", import.meta.url);

/** One run of fixtures/backtesting-py/orders-oracle.py: inputs, and backtesting.py's outputs. */
interface Case {
  readonly data: "GOOG.csv" | "EURUSD.csv";
  /** The first `bars` rows of the file. */
  readonly bars: number;
  /** The strategy in the definition language: a crossover of two named series, and orders. */
  readonly definition: OrdersSyntax & {
    readonly series: { readonly fastMa: { readonly sma?: unknown; readonly ema?: unknown } };
  };
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
  readFileSync(new URL("orders-expected.json", FIXTURES), "utf8"),
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

/** The hand-built strategy of a case: its definition's crossover kind and order fields. */
const handBuiltOf = (c: Case) =>
  anyBracketedCrossover(c.definition.series.fastMa.sma ? "sma" : "ema", c.definition);

const compiled = new Map<string, AnyStrategy>();
/** The case's definition, compiled as a webhook's would be: what the parity is claimed for. */
function strategyOf(c: Case): AnyStrategy {
  const key = JSON.stringify(c.definition);
  let strategy = compiled.get(key);
  if (!strategy) {
    strategy = strategyFromDefinition(c.definition);
    compiled.set(key, strategy);
  }
  return strategy;
}

/** Relative agreement to 1e-6, or absolute near zero; null is backtesting.py's NaN. */
function near(actual: number, expected: number | null): boolean {
  if (expected === null) return Number.isNaN(actual);
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
}

const orders = (c: Case) =>
  JSON.stringify({
    size: c.definition.size,
    stopLoss: c.definition.stopLoss,
    takeProfit: c.definition.takeProfit,
  });
const label = (c: Case) =>
  `${c.data}[:${c.bars}] ${handBuiltOf(c).name} ${orders(c)} ${JSON.stringify(c.options)}`;

/** Every difference between the engine's backtest of `c` and backtesting.py's, one a line. */
function differences(c: Case): string[] {
  const result = runBacktest(contextOf(c), strategyOf(c), c.params, c.options);
  const out: string[] = [];
  for (const name of STAT_NAMES) {
    const expected = c.stats[name];
    const actual = result.stats[name];
    if (name === "start" || name === "end") {
      if (Date.parse(actual as string) !== Date.parse(`${expected}Z`)) {
        out.push(`${name}: ${actual} vs ${expected}`);
      }
    } else if (!near(actual as number, expected as number | null)) {
      out.push(`${name}: ${actual} vs ${expected}`);
    }
  }
  if (result.trades.length !== c.trades.length) {
    out.push(`trades: ${result.trades.length} vs ${c.trades.length}`);
  }
  c.trades.forEach(([entryBar, exitBar, units, entryPrice, exitPrice, pnl], k) => {
    const t = result.trades[k];
    if (
      t === undefined ||
      t.entryBar !== entryBar ||
      t.exitBar !== exitBar ||
      t.units !== units ||
      !near(t.entryPrice, entryPrice) ||
      !near(t.exitPrice, exitPrice) ||
      !near(t.pnl, pnl)
    ) {
      const got = t && [t.entryBar, t.exitBar, t.units, t.entryPrice, t.exitPrice, t.pnl];
      out.push(`trade ${k}: ${JSON.stringify(got)} vs ${JSON.stringify(c.trades[k])}`);
    }
  });
  const open = result.openTrade;
  const openTrades = open ? [[open.entryBar, open.units, open.entryPrice]] : [];
  if (JSON.stringify(openTrades) !== JSON.stringify(c.openTrades)) {
    out.push(`open trades: ${JSON.stringify(openTrades)} vs ${JSON.stringify(c.openTrades)}`);
  }
  return out;
}

describe(`orders: parity with backtesting.py ${backtestingPy}, every statistic and trade`, () => {
  it("covers sizes, both brackets, gaps, same-bar stops and finalize's re-run", () => {
    const ofOrders = (pick: (d: Case["definition"]) => boolean) =>
      cases.filter((c) => pick(c.definition));
    expect(new Set(cases.map((c) => c.data))).toEqual(new Set(["GOOG.csv", "EURUSD.csv"]));
    expect(ofOrders((d) => d.size === 0.5).length).toBeGreaterThan(0);
    expect(ofOrders((d) => d.size === 0.25).length).toBeGreaterThan(0);
    expect(ofOrders((d) => d.stopLoss !== undefined && "atr" in d.stopLoss).length).toBeGreaterThan(
      0,
    );
    let levelFills = 0;
    let gapFills = 0;
    let sameBar = 0;
    let lastBarReRun = 0;
    for (const c of cases) {
      const { open, close } = contextOf(c).bars;
      const onClose = c.options.tradeOnClose === true;
      for (const [entry, exit, , , exitPrice] of c.trades) {
        // Market exits fill at an open, or under trade-on-close at a close.
        const marketPrice = onClose ? close[exit] : open[exit];
        if (exitPrice !== marketPrice && exitPrice !== open[exit]) levelFills++;
        // Under trade-on-close, only a bracket gapped through fills at an open.
        else if (onClose && exitPrice === open[exit] && open[exit] !== close[exit]) gapFills++;
        // A stop or take-profit in the bar its market entry filled (issue 119).
        if (exit === entry + (onClose ? 1 : 0) && exitPrice !== marketPrice) sameBar++;
        // finalize's re-run filled a last-bar signal and the bracket closed it there.
        const last = c.bars - 1;
        if (c.options.finalizeTrades && entry === last - (onClose ? 1 : 0) && exit === last) {
          lastBarReRun++;
        }
      }
    }
    expect(levelFills).toBeGreaterThan(100);
    expect(gapFills).toBeGreaterThan(10);
    expect(sameBar).toBeGreaterThan(10);
    expect(lastBarReRun).toBeGreaterThanOrEqual(4);
  });

  it("gives every run a definition the language's schema accepts", () => {
    for (const c of cases) expect(DefinitionSchema.safeParse(c.definition).success).toBe(true);
  });

  it("runs the hand-built strategy of every case to the compiled definition's trades", () => {
    for (const c of cases) {
      const ctx = contextOf(c);
      const a = runBacktest(ctx, handBuiltOf(c), c.params, c.options);
      const b = runBacktest(ctx, strategyOf(c), c.params, c.options);
      expect(b.trades, label(c)).toEqual(a.trades);
      expect(b.stats.equityFinal, label(c)).toBe(a.stats.equityFinal);
    }
  });

  it.each(cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    expect(differences(c)).toEqual([]);
    // The sweep's row of the same combination is the single backtest's.
    const ctx = contextOf(c);
    const strategy = strategyOf(c);
    const grid = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, [v]]));
    const [row] = sweepRows(ctx, planSweep(strategy, grid), [0], parseOptions(c.options));
    const { stats } = runBacktest(ctx, strategy, c.params, c.options);
    for (const name of SUMMARY_STATS) {
      expect(near(row[name], Number.isNaN(stats[name]) ? null : stats[name]), name).toBe(true);
    }
  });
});

// Proves the sweep kernel agrees with the single backtest (simulate.ts + stats.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BacktestContext, backtestContext, parseOptions, runBacktest } from "./backtest.ts";
import { allocateBars, type Bars, sliceBars } from "./bars.ts";
import { planSweep } from "./grid.ts";
import type { BacktestOptionsInput } from "./options.ts";
import type { Stats } from "./stats.ts";
import { STRATEGIES } from "./strategies/index.ts";
import type { AnyStrategy, Params } from "./strategy.ts";
import { SUMMARY_STATS, type SummaryRow } from "./summary.ts";
import { sweepRows } from "./sweep.ts";
import { syntheticBars } from "./synthetic.ts";
import { hasSharedData, sharedBars } from "./test-support/shared-data.ts";

/** Figures the kernel must reproduce bit for bit; the rest may differ by rounding. */
const EXACT = new Set<string>(["trades", "equityFinal"]);
const RELATIVE_TOLERANCE = 1e-9;

/** Whether a kernel figure agrees with the single backtest's (NaN equals NaN). */
function agrees(name: string, actual: number, expected: number): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) {
    return Number.isNaN(actual) && Number.isNaN(expected);
  }
  if (EXACT.has(name)) return Object.is(actual, expected);
  if (actual === expected) return true; // also equal infinities
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  return Math.abs(actual - expected) <= RELATIVE_TOLERANCE * scale;
}

/**
 * Every disagreement between the sweep rows of `grid` and a single backtest of each row's
 * params, one line each naming the inputs, the statistic and both values; empty when all
 * agree. The grid always yields at least one row, so an empty result is never vacuous.
 */
function disagreements(
  label: string,
  ctx: BacktestContext,
  strategy: AnyStrategy,
  grid: Record<string, number[]>,
  options: BacktestOptionsInput,
): string[] {
  const plan = planSweep(strategy, grid);
  const indices = Array.from({ length: plan.count }, (_, k) => k);
  const rows = sweepRows(ctx, plan, indices, parseOptions(options));
  expect(rows).toHaveLength(plan.count);
  const out: string[] = [];
  for (const row of rows) {
    const { stats } = runBacktest(ctx, strategy, row.params, options);
    for (const name of SUMMARY_STATS) {
      const actual = row[name];
      const expected = stats[name];
      if (!agrees(name, actual, expected)) {
        out.push(
          `${label} ${strategy.name} ${JSON.stringify(row.params)} ${JSON.stringify(options)}: ` +
            `${name} sweep ${actual} vs backtest ${expected}`,
        );
      }
    }
  }
  return out;
}

/** The single-backtest stats of `params`, and the sweep row of the one-combination grid. */
function oneOfEach(
  ctx: BacktestContext,
  strategy: AnyStrategy,
  params: Params,
  options: BacktestOptionsInput,
): { row: SummaryRow; stats: Stats; result: ReturnType<typeof runBacktest> } {
  const grid = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const [row] = sweepRows(ctx, planSweep(strategy, grid), [0], parseOptions(options));
  const result = runBacktest(ctx, strategy, params, options);
  return { row, stats: result.stats, result };
}

// ---------------------------------------------------------------------------------------
// Data

interface Dataset {
  readonly label: string;
  readonly ctx: BacktestContext;
}

const dataset = (label: string, bars: Bars): Dataset => ({ label, ctx: backtestContext(bars) });

const SYNTHETIC: readonly Dataset[] = [
  dataset("synthetic(600, seed 1)", syntheticBars({ bars: 600, seed: 1 })),
  // Volatile with strong drift: large drawdowns, many band breaks, long one-way runs.
  dataset(
    "synthetic(500, seed 2, vol 0.9, drift 0.6)",
    syntheticBars({ bars: 500, seed: 2, volatility: 0.9, drift: 0.6 }),
  ),
  // Shorter than many windows: their indicators are never defined and nothing trades.
  dataset("synthetic(45, seed 3)", syntheticBars({ bars: 45, seed: 3 })),
];

// GOOG and EURUSD are committed with the parity fixtures; BTCUSD comes from ../shared.
const SHARED: readonly Dataset[] = (
  hasSharedData
    ? (["GOOG.csv", "EURUSD.csv", "BTCUSD.csv"] as const)
    : (["GOOG.csv", "EURUSD.csv"] as const)
).map((name) => dataset(name, sharedBars(name)));

/**
 * Every combination of the option values that change the path: commission 0 / 0.002, both
 * modes, finalizeTrades, tradeOnClose, and a cash of 100x the first close or one of 1.5x
 * it (so that orders drop to 0 units whenever the price has risen by half).
 */
function optionMatrix(firstClose: number): BacktestOptionsInput[] {
  const out: BacktestOptionsInput[] = [];
  for (const commission of [0, 0.002])
    for (const mode of ["long-short", "long-only"] as const)
      for (const finalizeTrades of [false, true])
        for (const tradeOnClose of [false, true])
          for (const cash of [100 * firstClose, 1.5 * firstClose])
            out.push({ commission, mode, finalizeTrades, tradeOnClose, cash });
  return out;
}

/** A fixed grid per strategy, short windows to long, mixing fast traders and slow ones. */
const FIXED_GRIDS: Record<string, Record<string, number[]>> = {
  "sma-crossover": { fast: [1, 5, 10], slow: [8, 20, 50] },
  "ema-crossover": { fast: [1, 5, 12], slow: [8, 26, 60] },
  "rsi-reversion": { period: [2, 14], lower: [20, 35], upper: [65, 80] },
  "bollinger-reversion": { period: [5, 20], stdDev: [0.5, 1.5, 2.5] },
  "macd-crossover": { fast: [3, 12], slow: [10, 26], signal: [1, 9] },
  "donchian-breakout": { entry: [5, 20, 55], exit: [3, 10] },
};

/** Valid parameters of each strategy, for drawing grids; windows reach past short data. */
const PARAMS: Record<string, fc.Arbitrary<Params>> = {
  "sma-crossover": crossoverParams(),
  "ema-crossover": crossoverParams(),
  "rsi-reversion": fc.record({
    period: fc.integer({ min: 2, max: 40 }),
    lower: fc.integer({ min: 1, max: 49 }),
    upper: fc.integer({ min: 51, max: 99 }),
  }),
  "bollinger-reversion": fc.record({
    period: fc.integer({ min: 2, max: 60 }),
    stdDev: fc.double({ min: 0.05, max: 4, noNaN: true }),
  }),
  "macd-crossover": fc.integer({ min: 2, max: 50 }).chain((slow) =>
    fc.record({
      fast: fc.integer({ min: 1, max: slow - 1 }),
      slow: fc.constant(slow),
      signal: fc.integer({ min: 1, max: 20 }),
    }),
  ),
  "donchian-breakout": fc
    .integer({ min: 2, max: 80 })
    .chain((entry) =>
      fc.record({ entry: fc.constant(entry), exit: fc.integer({ min: 1, max: entry - 1 }) }),
    ),
};

function crossoverParams(): fc.Arbitrary<Params> {
  return fc
    .integer({ min: 2, max: 120 })
    .chain((slow) =>
      fc.record({ fast: fc.integer({ min: 1, max: slow - 1 }), slow: fc.constant(slow) }),
    );
}

/**
 * A grid built from 1 to 3 valid combinations: each parameter's list holds the values they
 * use, so the grid has at least those combinations plus whatever else its product allows.
 */
function gridOf(strategy: AnyStrategy): fc.Arbitrary<Record<string, number[]>> {
  return fc.array(PARAMS[strategy.name], { minLength: 1, maxLength: 3 }).map((combos) => {
    const grid: Record<string, number[]> = {};
    for (const name of Object.keys(strategy.shape.shape)) {
      grid[name] = [...new Set(combos.map((c) => c[name]))];
    }
    return grid;
  });
}

/** Options drawn as the brief of this test asks: every switch, and cash that may not buy. */
const optionsArb = (firstClose: number): fc.Arbitrary<BacktestOptionsInput> =>
  fc.record({
    commission: fc.oneof(fc.constantFrom(0, 0.002), fc.double({ min: 0, max: 0.02, noNaN: true })),
    mode: fc.constantFrom("long-short" as const, "long-only" as const),
    finalizeTrades: fc.boolean(),
    tradeOnClose: fc.boolean(),
    cash: fc.constantFrom(10_000 * firstClose, 3 * firstClose, 1.1 * firstClose, 0.9 * firstClose),
  });

// ---------------------------------------------------------------------------------------

describe("A sweep row equals the single backtest with the same parameters", () => {
  it("has a fixed grid and a parameter generator for every strategy", () => {
    for (const strategy of STRATEGIES) {
      expect(FIXED_GRIDS[strategy.name], strategy.name).toBeDefined();
      expect(PARAMS[strategy.name], strategy.name).toBeDefined();
    }
  });

  describe.each(STRATEGIES.map((s) => [s.name, s] as const))("%s", (_, strategy) => {
    const matrix = (data: readonly Dataset[]) => {
      const problems: string[] = [];
      for (const { label, ctx } of data) {
        for (const options of optionMatrix(ctx.bars.close[0])) {
          problems.push(
            ...disagreements(label, ctx, strategy, FIXED_GRIDS[strategy.name], options),
          );
        }
      }
      expect(problems).toEqual([]);
    };

    it("on synthetic data, for all 32 option combinations", () => matrix(SYNTHETIC));

    it("on GOOG, EURUSD (hourly) and, with ../shared, BTCUSD (monthly), for all 32 option combinations", () =>
      matrix(SHARED));

    it("for random grids and options on every data set (fast-check)", () => {
      const data = [...SYNTHETIC, ...SHARED];
      fc.assert(
        fc.property(
          fc
            .nat({ max: data.length - 1 })
            .chain((d) =>
              fc.tuple(fc.constant(d), gridOf(strategy), optionsArb(data[d].ctx.bars.close[0])),
            ),
          ([d, grid, options]) => {
            const problems = disagreements(data[d].label, data[d].ctx, strategy, grid, options);
            if (problems.length) throw new Error(problems.join("\n"));
          },
        ),
        { numRuns: 25, seed: 20_260_101 + STRATEGIES.indexOf(strategy) },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------
// Ruin: the kernel leaves ruined accounts to the full simulation and its statistics.

/** Daily bars (consecutive calendar days) with these closes; each opens at the previous close. */
function handBars(closes: readonly number[], opens: Record<number, number> = {}): Bars {
  const bars = allocateBars(closes.length);
  closes.forEach((c, i) => {
    const o = opens[i] ?? (i === 0 ? c : closes[i - 1]);
    bars.time[i] = Date.UTC(2024, 0, 1 + i);
    bars.open[i] = o;
    bars.close[i] = c;
    bars.high[i] = Math.max(o, c);
    bars.low[i] = Math.min(o, c);
    bars.volume[i] = 1000;
  });
  return bars;
}

/** Every combination of commission, finalizeTrades and tradeOnClose, long-short. */
function ruinOptions(cash: number): BacktestOptionsInput[] {
  const out: BacktestOptionsInput[] = [];
  for (const commission of [0, 0.002])
    for (const finalizeTrades of [false, true])
      for (const tradeOnClose of [false, true])
        out.push({ cash, commission, finalizeTrades, tradeOnClose, mode: "long-short" });
  return out;
}

describe("ruined accounts (the kernel's fallback path)", () => {
  const bollinger = STRATEGIES.find((s) => s.name === "bollinger-reversion")!;
  const params = { period: 3, stdDev: 1 };

  it("a short that the price more than doubles against: equity 0 from the ruin on", () => {
    // Bollinger(3, 1) starts at bar 3. Bar 4 closes at 12, above the upper band of
    // [10, 10, 12] (mean 10.67 + sd 0.94 = 11.61): short, filled at 12 (bar 5's open or
    // bar 4's close). 1200 cash buys 99 units (with commission 0.002 too: 1200 / 12.024 is
    // 99.8), so the equity 1200 - 99 * (close - 12) is below 0 from a close of about 24.1:
    // bar 8 closes at 25.
    // The rising closes stay above the bands' mean, so no long signal covers the short.
    const ctx = backtestContext(handBars([10, 10, 10, 10, 12, 14, 17, 20, 25, 30, 40, 50]));
    for (const options of ruinOptions(1200)) {
      const { row, stats, result } = oneOfEach(ctx, bollinger, params, options);
      const label = JSON.stringify(options);
      // The scenario is what it claims: a ruin at bar 8 closing a short opened at 12.
      expect(result.trades.at(-1), label).toMatchObject({ entryPrice: 12, exitBar: 8 });
      expect(result.trades.at(-1)!.units, label).toBeLessThan(0);
      expect(Array.from(result.equity.subarray(8)), label).toEqual([0, 0, 0, 0]);
      expect(stats.maxDrawdownPct, label).toBe(-100);
      for (const name of SUMMARY_STATS) {
        expect(agrees(name, row[name], stats[name]), `${label} ${name}`).toBe(true);
      }
    }
  });

  it("a short ruined only by finalizeTrades' close at the last open", () => {
    // Same short at 12; the closes stay at 12, but the last bar opens at 40. Marked at its
    // close the account is whole; closing the short at that open costs 99 * 28 > 1200.
    // Under trade-on-close, finalize closes at the previous close instead (12): no ruin.
    const closes = [10, 10, 10, 10, 12, 12, 12, 12, 12];
    const ctx = backtestContext(handBars(closes, { 8: 40 }));
    for (const options of ruinOptions(1200)) {
      const { row, stats, result } = oneOfEach(ctx, bollinger, params, options);
      const label = JSON.stringify(options);
      if (options.finalizeTrades && options.tradeOnClose) {
        expect(result.trades.at(-1), label).toMatchObject({ exitBar: 7, exitPrice: 12 });
        expect(stats.equityFinal, label).toBeGreaterThan(1000);
      } else if (options.finalizeTrades) {
        expect(result.trades.at(-1), label).toMatchObject({ exitBar: 8, exitPrice: 40 });
        expect(stats.equityFinal, label).toBe(0);
      } else {
        expect(result.openTrade?.entryPrice, label).toBe(12);
        expect(stats.equityFinal, label).toBeGreaterThan(1000);
      }
      for (const name of SUMMARY_STATS) {
        expect(agrees(name, row[name], stats[name]), `${label} ${name}`).toBe(true);
      }
    }
  });

  it("rows of a sweep mixing ruined and healthy combinations all agree", () => {
    // A strongly rising series: mean-reversion strategies short it and are ruined, the
    // trend followers ride it.
    const ctx = backtestContext(syntheticBars({ bars: 400, seed: 9, drift: 4, volatility: 0.35 }));
    let ruined = 0;
    for (const strategy of STRATEGIES) {
      for (const options of ruinOptions(10_000)) {
        const grid = FIXED_GRIDS[strategy.name];
        expect(disagreements("rising synthetic", ctx, strategy, grid, options)).toEqual([]);
        const plan = planSweep(strategy, grid);
        const rows = sweepRows(
          ctx,
          plan,
          Array.from({ length: plan.count }, (_, k) => k),
          parseOptions(options),
        );
        ruined += rows.filter((r) => r.equityFinal === 0).length;
      }
    }
    // The fallback really ran: some combinations were ruined.
    expect(ruined).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------
// finalizeTrades as backtesting.py 0.6.6 does it: a re-run of the broker on the last bar.

describe("finalizeTrades: the kernel agrees with the single backtest in both re-run cases", () => {
  const base = syntheticBars({ bars: 600, seed: 1 });

  /** Each strategy's fixed-grid combinations with their signal bars on `base`. */
  function signalBarsOf(strategy: AnyStrategy, params: Params): number[] {
    const ctx = backtestContext(base);
    const result = runBacktest(ctx, strategy, params, { finalizeTrades: false });
    // Entry bars of trades are fills the bar after a signal: their signal bars.
    return [...result.trades.map((t) => t.entryBar - 1), (result.openTrade?.entryBar ?? 0) - 1];
  }

  it.each(STRATEGIES.map((s) => [s.name, s] as const))(
    "%s: a signal on the last bar fills in the re-run and its trade stays open",
    (_, strategy) => {
      const grid = FIXED_GRIDS[strategy.name];
      const plan = planSweep(strategy, grid);
      let scenarios = 0;
      const problems: string[] = [];
      for (let k = 0; k < plan.count && scenarios < 3; k++) {
        const params = Object.fromEntries(
          plan.names.map((name, j) => [name, plan.values[k * plan.names.length + j]]),
        );
        // Cutting the data just after a signal puts that signal on the last bar; indicators
        // only look back, so the signal survives the cut.
        const signalBar = signalBarsOf(strategy, params)
          .filter((b) => b > 100)
          .at(-1);
        if (signalBar === undefined) continue;
        const ctx = backtestContext(sliceBars(base, signalBar + 1));
        for (const tradeOnClose of [false, true]) {
          for (const mode of ["long-short", "long-only"] as const) {
            const options = { finalizeTrades: true, tradeOnClose, mode, commission: 0.002 };
            const { row, stats, result } = oneOfEach(ctx, strategy, params, options);
            const label = `${strategy.name} ${JSON.stringify(params)} ${JSON.stringify(options)}`;
            // The scenario is what it claims wherever the signal asks for an entry: the
            // trade it opens fills at the last open (or the previous close) and stays open.
            if (result.openTrade) {
              expect(result.openTrade.entryBar, label).toBe(
                tradeOnClose ? signalBar - 1 : signalBar,
              );
              scenarios++;
            }
            for (const name of SUMMARY_STATS) {
              if (!agrees(name, row[name], stats[name])) {
                problems.push(`${label}: ${name} sweep ${row[name]} vs backtest ${stats[name]}`);
              }
            }
          }
        }
      }
      expect(scenarios, "no combination had a last-bar entry").toBeGreaterThan(0);
      expect(problems).toEqual([]);
    },
  );

  it.each(STRATEGIES.map((s) => [s.name, s] as const))(
    "%s: trade-on-close closes the open trade at the previous bar's close",
    (_, strategy) => {
      const ctx = backtestContext(base);
      const plan = planSweep(strategy, FIXED_GRIDS[strategy.name]);
      const options = { finalizeTrades: true, tradeOnClose: true, commission: 0.002 };
      const rows = sweepRows(
        ctx,
        plan,
        Array.from({ length: plan.count }, (_, k) => k),
        parseOptions(options),
      );
      let closedByFinalize = 0;
      const problems: string[] = [];
      const last = base.length - 1;
      for (const row of rows) {
        const result = runBacktest(ctx, strategy, row.params, options);
        const final = result.trades.at(-1);
        if (final && final.exitBar === last - 1 && final.exitPrice === base.close[last - 1]) {
          closedByFinalize++;
        }
        // Nothing closes at the last bar's open any more under trade-on-close.
        expect(final?.exitBar === last && final.exitPrice === base.open[last]).toBe(false);
        for (const name of SUMMARY_STATS) {
          if (!agrees(name, row[name], result.stats[name])) {
            problems.push(
              `${JSON.stringify(row.params)}: ${name} ${row[name]} vs ${result.stats[name]}`,
            );
          }
        }
      }
      expect(closedByFinalize, "no combination held a position at the end").toBeGreaterThan(0);
      expect(problems).toEqual([]);
    },
  );
});

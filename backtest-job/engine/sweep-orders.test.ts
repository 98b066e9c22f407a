// Proves the sweep kernel agrees with the single backtest for sized and bracketed entries.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BacktestContext, backtestContext, parseOptions, runBacktest } from "./backtest.ts";
import { sliceBars } from "./bars.ts";
import { planSweep } from "./grid.ts";
import type { BacktestOptionsInput } from "./options.ts";
import { SUMMARY_STATS } from "./summary.ts";
import { sweepRows } from "./sweep.ts";
import { syntheticBars } from "./synthetic.ts";
import {
  anyBracketedCrossover,
  type LevelSyntax,
  type OrdersSyntax,
} from "./test-support/bracketed-crossover.ts";
import { sharedBars } from "./test-support/shared-data.ts";

/** Figures the kernel must reproduce bit for bit; the rest may differ by summation order. */
const EXACT = new Set<string>(["trades", "equityFinal"]);

function agrees(name: string, actual: number, expected: number): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) {
    return Number.isNaN(actual) && Number.isNaN(expected);
  }
  if (EXACT.has(name)) return Object.is(actual, expected);
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected));
}

/** Every disagreement between the sweep's rows of `grid` and a single backtest of each. */
function disagreements(
  ctx: BacktestContext,
  kind: "sma" | "ema",
  orders: OrdersSyntax,
  grid: Record<string, number[]>,
  options: BacktestOptionsInput,
): string[] {
  const strategy = anyBracketedCrossover(kind, orders);
  const plan = planSweep(strategy, grid);
  const indices = Array.from({ length: plan.count }, (_, k) => k);
  const rows = sweepRows(ctx, plan, indices, parseOptions(options));
  expect(rows.length).toBeGreaterThan(0);
  const out: string[] = [];
  for (const row of rows) {
    const { stats } = runBacktest(ctx, strategy, row.params, options);
    for (const name of SUMMARY_STATS) {
      if (!agrees(name, row[name], stats[name])) {
        out.push(
          `${kind} ${JSON.stringify(orders)} ${JSON.stringify(row.params)} ` +
            `${JSON.stringify(options)}: ${name} sweep ${row[name]} vs backtest ${stats[name]}`,
        );
      }
    }
  }
  return out;
}

const DATA = [
  {
    label: "synthetic(700, seed 11)",
    ctx: backtestContext(syntheticBars({ bars: 700, seed: 11 })),
  },
  {
    label: "synthetic(400, seed 12, vol 0.9)",
    ctx: backtestContext(syntheticBars({ bars: 400, seed: 12, volatility: 0.9, drift: 0.4 })),
  },
  { label: "GOOG.csv", ctx: backtestContext(sharedBars("GOOG.csv")) },
];

const level: fc.Arbitrary<LevelSyntax | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ percent: fc.double({ min: 0.1, max: 15, noNaN: true }) }),
  fc.record({
    atr: fc.integer({ min: 1, max: 40 }),
    multiple: fc.double({ min: 0.2, max: 5, noNaN: true }),
  }),
);

const ordersArb: fc.Arbitrary<OrdersSyntax> = fc.record({
  size: fc.oneof(fc.constantFrom(1, 0.5, 0.25), fc.double({ min: 0.01, max: 1, noNaN: true })),
  stopLoss: level,
  takeProfit: level,
});

const gridArb = fc
  .array(fc.integer({ min: 3, max: 60 }), { minLength: 1, maxLength: 3 })
  .chain((slows) =>
    fc.record({
      fast: fc.array(fc.integer({ min: 1, max: Math.min(...slows) - 1 }), {
        minLength: 1,
        maxLength: 2,
      }),
      slow: fc.constant(slows),
    }),
  );

const optionsArb = (firstClose: number): fc.Arbitrary<BacktestOptionsInput> =>
  fc.record({
    commission: fc.constantFrom(0, 0.002, 0.013),
    mode: fc.constantFrom("long-short" as const, "long-only" as const),
    finalizeTrades: fc.boolean(),
    tradeOnClose: fc.boolean(),
    // A cash of a few closes makes small sizes buy nothing: cancelled entries.
    cash: fc.constantFrom(10_000 * firstClose, 3 * firstClose),
  });

describe("sweep kernel = simulate + computeStats, with sizes, stop-losses and take-profits", () => {
  it.each(DATA.map((d) => [d.label, d] as const))(
    "%s: each order kind under all 16 option sets",
    (_, { ctx }) => {
      const grid = { fast: [3, 10], slow: [12, 30] };
      const sets: OrdersSyntax[] = [
        { size: 0.5 },
        { size: 0.3, stopLoss: { percent: 2 } },
        { takeProfit: { percent: 3 } },
        { stopLoss: { percent: 0.5 }, takeProfit: { percent: 0.5 } },
        { size: 0.25, stopLoss: { atr: 14, multiple: 2 }, takeProfit: { atr: 14, multiple: 3 } },
      ];
      const out: string[] = [];
      for (const orders of sets)
        for (const commission of [0, 0.002])
          for (const mode of ["long-short", "long-only"] as const)
            for (const finalizeTrades of [false, true])
              for (const tradeOnClose of [false, true]) {
                const options = { commission, mode, finalizeTrades, tradeOnClose };
                out.push(...disagreements(ctx, "sma", orders, grid, options));
              }
      expect(out).toEqual([]);
    },
  );

  it("when finalize's re-run enters on a last-bar signal and the bracket closes it there", () => {
    // Every cut of the data ends some runs on a signal bar; tight brackets make its range
    // reach them. The count proves the case occurred.
    const bars = syntheticBars({ bars: 260, seed: 13, volatility: 0.6 });
    const orders = { stopLoss: { percent: 0.4 }, takeProfit: { percent: 0.4 } };
    const strategy = anyBracketedCrossover("sma", orders);
    let reRunExits = 0;
    const out: string[] = [];
    for (let n = 40; n <= bars.length; n++) {
      const ctx = backtestContext(sliceBars(bars, n));
      for (const tradeOnClose of [false, true]) {
        const options = { finalizeTrades: true, tradeOnClose };
        const { trades } = runBacktest(ctx, strategy, { fast: 2, slow: 5 }, options);
        const last = trades.at(-1);
        if (last && last.exitBar === n - 1 && last.entryBar === n - (tradeOnClose ? 2 : 1)) {
          reRunExits++;
        }
        out.push(...disagreements(ctx, "sma", orders, { fast: [2], slow: [5] }, options));
      }
    }
    expect(out).toEqual([]);
    expect(reRunExits).toBeGreaterThan(5);
  });

  it("for random orders, grids and options (fast-check)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: DATA.length - 1 })
          .chain((d) =>
            fc.tuple(
              fc.constant(d),
              fc.constantFrom("sma" as const, "ema" as const),
              ordersArb,
              gridArb,
              optionsArb(DATA[d].ctx.bars.close[0]),
            ),
          ),
        ([d, kind, orders, grid, options]) => {
          expect(disagreements(DATA[d].ctx, kind, orders, grid, options)).toEqual([]);
        },
      ),
      { numRuns: 60, seed: 20_260_113 },
    );
  });
});

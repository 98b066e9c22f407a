// Proves each built-in's definition, compiled, is its hand kernel: events, warm-up, statistics, trades.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type BacktestContext, backtestContext, runBacktest } from "../backtest.ts";
import type { Bars } from "../bars.ts";
import { compileDefinition } from "../definition/compile.ts";
import { parseDefinition } from "../definition/parse.ts";
import { comboAt, planSweep } from "../grid.ts";
import type { BacktestOptionsInput } from "../options.ts";
import { signalBuffer } from "../signals.ts";
import type { AnyStrategy } from "../strategy.ts";
import { syntheticBars } from "../synthetic.ts";
import { sharedBars } from "../test-support/shared-data.ts";
import { getStrategy, HAND_KERNELS, resolveStrategy, STRATEGIES } from "./index.ts";

/** Synthetic bars with prices rounded to whole numbers: averages tie, as crossovers must handle. */
function coarseBars(): Bars {
  const bars = syntheticBars({ bars: 800, seed: 17, volatility: 0.3 });
  for (const column of [bars.open, bars.high, bars.low, bars.close]) {
    for (let i = 0; i < column.length; i++) column[i] = Math.round(column[i]);
  }
  return bars;
}

const DATA: [string, () => Bars][] = [
  ["GOOG", () => sharedBars("GOOG.csv")],
  ["EURUSD", () => sharedBars("EURUSD.csv")],
  ["synthetic", () => syntheticBars({ bars: 1500, seed: 3, volatility: 0.5 })],
  ["coarse synthetic", coarseBars],
];

/** Grids that reach tiny and long windows, ties in the constraints excluded by them. */
const GRIDS: Record<string, Record<string, number[]>> = {
  "sma-crossover": { fast: [1, 2, 3, 5, 8, 13, 21], slow: [2, 3, 10, 20, 30, 50, 100] },
  "ema-crossover": { fast: [1, 2, 3, 5, 8, 13, 21], slow: [2, 3, 10, 20, 30, 50, 100] },
  "rsi-reversion": { period: [2, 5, 14, 30], lower: [10, 25, 30, 45], upper: [55, 70, 75, 90] },
  "bollinger-reversion": { period: [2, 5, 10, 20, 50], stdDev: [0.5, 1, 1.5, 2, 3] },
  // signal innermost with a steady step: the hand kernel's fused look-ahead path runs too.
  "macd-crossover": { fast: [1, 3, 5, 12], slow: [2, 8, 13, 26], signal: [1, 2, 3, 4, 9] },
  "donchian-breakout": { entry: [2, 3, 5, 10, 20, 55], exit: [1, 2, 5, 10, 20] },
};

const OPTIONS: BacktestOptionsInput[] = [
  {},
  { mode: "long-only", commission: 0.002 },
  { tradeOnClose: true, finalizeTrades: true },
];

const compiledOf = (hand: AnyStrategy) =>
  compileDefinition(parseDefinition(hand.definition), hand.name);

function events(strategy: AnyStrategy, ctx: BacktestContext, params: Record<string, number>) {
  const out = signalBuffer(ctx.bars.length);
  const warmup = strategy.signals(ctx.indicators, params, out);
  return {
    warmup,
    bars: Array.from(out.bars.subarray(0, out.count)),
    bits: Array.from(out.bits.subarray(0, out.count)),
  };
}

describe.each(HAND_KERNELS.map((s) => [s.name, s] as const))("%s as a definition", (_, hand) => {
  const compiled = compiledOf(hand);

  it("has today's parameters in today's order, bounds and constraints", () => {
    expect(z.toJSONSchema(compiled.shape)).toEqual(z.toJSONSchema(hand.shape));
    const rule = ({ left, right, message, path, orEqual }: AnyStrategy["constraints"][number]) => ({
      left,
      right,
      message,
      path,
      orEqual: orEqual ?? false,
    });
    expect(compiled.constraints.map(rule)).toEqual(hand.constraints.map(rule));
  });

  it.each(DATA)("writes the hand kernel's events and warm-up on %s, over a grid", (_, data) => {
    const plan = planSweep(hand, GRIDS[hand.name]);
    expect(plan.count).toBeGreaterThan(10);
    // One context for both, as a sweep has: the compiled loop reads the same cached series.
    const ctx = backtestContext(data());
    let signalled = 0;
    for (let k = 0; k < plan.count; k++) {
      const params = comboAt(plan, k);
      const want = events(hand, ctx, params);
      expect(events(compiled, ctx, params), JSON.stringify(params)).toEqual(want);
      if (want.bars.length > 0) signalled++;
    }
    expect(signalled).toBeGreaterThan(plan.count / 2);
  });

  it.each(DATA)("gives the hand kernel's statistics and trades on %s", (_, data) => {
    const plan = planSweep(hand, GRIDS[hand.name]);
    const ctx = backtestContext(data());
    for (let k = 0; k < plan.count; k += 4) {
      const params = comboAt(plan, k);
      const options = OPTIONS[k % OPTIONS.length];
      const want = runBacktest(ctx, hand, params, options);
      const got = runBacktest(ctx, compiled, params, options);
      const at = JSON.stringify({ params, options });
      expect(got.start, at).toBe(want.start);
      expect(got.stats, at).toEqual(want.stats);
      expect(got.trades, at).toEqual(want.trades);
      expect(got.openTrade, at).toEqual(want.openTrade);
    }
  });
});

describe("the registry", () => {
  it("gives every built-in with its definition, named as the strategy", () => {
    for (const s of STRATEGIES) {
      expect(s.definition?.name).toBe(s.name);
      expect(getStrategy(s.name).definition).toEqual(
        HAND_KERNELS.find((h) => h.name === s.name)?.definition,
      );
    }
  });

  it("resolves a name to the built-in and a definition to a compiled strategy", () => {
    expect(resolveStrategy("ema-crossover")).toBe(getStrategy("ema-crossover"));
    expect(() => resolveStrategy("nope")).toThrow(/unknown strategy "nope"/);
    const defined = resolveStrategy(getStrategy("sma-crossover").definition as object);
    expect(defined.name).toBe("sma-crossover");
    expect(Object.keys(defined.shape.shape)).toEqual(["fast", "slow"]);
    const custom = resolveStrategy({ entry: { long: { ">": ["close", { sma: { period: 5 } }] } } });
    expect(custom.name).toBe("custom");
    expect(() => resolveStrategy({ entry: {} })).toThrow(/invalid strategy definition/);
  });
});

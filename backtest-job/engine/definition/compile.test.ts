// Compiled definitions on hand-made bars: the start, NaN, crosses, heldFor, previous, constraints, orders.
import { describe, expect, it } from "vitest";
import { backtestContext } from "../backtest.ts";
import { allocateBars, type Bars } from "../bars.ts";
import { countCombinations, gridAxes, planSweep } from "../grid.ts";
import { firstDefined, IndicatorCache } from "../indicator-cache.ts";
import { atr, bollinger, macd } from "../indicators/index.ts";
import { denseSignals, SIGNAL_EXIT_LONG, SIGNAL_LONG, signalBuffer } from "../signals.ts";
import { type Params, parseParams } from "../strategy.ts";
import { syntheticBars } from "../synthetic.ts";
import { compileDefinition, strategyFromDefinition } from "./compile.ts";
import { parseDefinition } from "./parse.ts";
import type { Cond, Definition } from "./schema.ts";

const L = SIGNAL_LONG;

/** Bars with these closes; open is the previous close, high and low span both. */
function handBars(closes: readonly number[]): Bars {
  const bars = allocateBars(closes.length);
  closes.forEach((c, i) => {
    const o = i === 0 ? c : closes[i - 1];
    bars.time[i] = Date.UTC(2024, 0, 1 + i);
    bars.open[i] = o;
    bars.close[i] = c;
    bars.high[i] = Math.max(o, c);
    bars.low[i] = Math.min(o, c);
    bars.volume[i] = 1000;
  });
  return bars;
}

function run(definition: Definition, bars: Bars, params: Params = {}) {
  const out = signalBuffer(bars.length);
  const warmup = strategyFromDefinition(definition).signals(new IndicatorCache(bars), params, out);
  return { warmup, bits: Array.from(denseSignals(out, bars.length)) };
}

const long = (c: Cond): Definition => ({ entry: { long: c } });

describe("the start", () => {
  const bars = handBars([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  it("is bar 1 without indicators: previous reads bar 0, before which is undefined", () => {
    const r = run(long({ ">": ["close", { previous: "close" }] }), bars);
    expect(r.warmup).toBe(0);
    expect(r.bits).toEqual([0, L, L, L, L, L, L, L, L, L]);
  });
  it("is one bar after the latest first defined indicator, used by a rule or not", () => {
    expect(run(long({ ">": ["close", { sma: { period: 3 } }] }), bars).warmup).toBe(2);
    const unused: Definition = {
      series: { slow: { sma: { period: 6 } } },
      entry: { long: { ">": ["close", { sma: { period: 3 } }] } },
    };
    const r = run(unused, bars);
    expect(r.warmup).toBe(5);
    expect(r.bits).toEqual([0, 0, 0, 0, 0, 0, L, L, L, L]);
  });
  it("is not moved by previous or heldFor, and counts an ATR stop as an indicator", () => {
    const shifted = long({ ">": ["close", { previous: { sma: { period: 3 } }, bars: 4 }] });
    expect(run(shifted, bars).warmup).toBe(2);
    const held = long({ heldFor: { bars: 5, condition: { ">": ["close", 0] } } });
    expect(run(held, bars).warmup).toBe(0);
    const stopped: Definition = {
      ...long({ ">": ["close", 0] }),
      stopLoss: { atr: 7, multiple: 2 },
    };
    expect(run(stopped, bars).warmup).toBe(firstDefined(atr(bars.high, bars.low, bars.close, 7)));
    expect(run(stopped, bars).warmup).toBe(6);
  });
  it("is past the data when an indicator never warms up: no signal", () => {
    const r = run(long({ ">": ["close", { sma: { period: 20 } }] }), bars);
    expect(r.warmup).toBe(10);
    expect(r.bits.every((b) => b === 0)).toBe(true);
  });
});

describe("conditions", () => {
  it("crossesAbove needs a strict inequality on both bars (backtesting.py's crossover)", () => {
    // close vs 10: below at bar 0, equal at bars 1 and 4 (touch, no cross), above at 2 and 5.
    const bars = handBars([9, 10, 11, 9, 10, 11, 12]);
    const r = run(long({ crossesAbove: ["close", 10] }), bars);
    expect(r.bits).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const crossing = handBars([9, 11, 9, 10, 12, 8, 11]);
    expect(run(long({ crossesAbove: ["close", 10] }), crossing).bits).toEqual([
      0,
      L,
      0,
      0,
      0,
      0,
      L,
    ]);
    expect(run(long({ crossesBelow: ["close", 10] }), crossing).bits).toEqual([
      0,
      0,
      L,
      0,
      0,
      L,
      0,
    ]);
  });

  it("a comparison with an undefined operand is false, and not of it is true", () => {
    const bars = handBars([5, 6, 7, 8]);
    const back = { previous: "close", bars: 2 } as const;
    expect(run(long({ "<": [back, "close"] }), bars).bits).toEqual([0, 0, L, L]);
    // Bar 1 reads before bar 0: the comparison is false, its complement true.
    expect(run(long({ not: { "<": [back, "close"] } }), bars).bits).toEqual([0, L, 0, 0]);
  });

  it("heldFor counts the bars before the start, this bar included", () => {
    // Rising from bar 1; SMA(5) starts the strategy at bar 5, by when 3 rising bars are past.
    const bars = handBars([10, 11, 12, 13, 14, 15, 14, 15, 16, 17]);
    const rising = { ">": ["close", { previous: "close" }] } as const;
    const d: Definition = {
      series: { slow: { sma: { period: 5 } } },
      entry: { long: { heldFor: { bars: 3, condition: rising } } },
    };
    expect(run(d, bars).bits).toEqual([0, 0, 0, 0, 0, L, 0, 0, 0, L]);
    // Nested: three bars in a row at which the close had risen two bars in a row.
    const nested = long({
      heldFor: { bars: 3, condition: { heldFor: { bars: 2, condition: rising } } },
    });
    expect(run(nested, bars).bits).toEqual([0, 0, 0, 0, L, L, 0, 0, 0, 0]);
  });

  it("and, or and the four rules: entries and exits are separate bits on one bar", () => {
    const bars = handBars([10, 12, 11, 13, 9]);
    const d: Definition = {
      entry: { long: { and: [{ ">": ["close", 10] }, { "<": ["close", 13] }] } },
      exit: { long: { or: [{ ">": ["close", 11.5] }, { "<": ["close", 10] }] } },
    };
    expect(run(d, bars).bits).toEqual([
      0,
      L | SIGNAL_EXIT_LONG,
      L,
      SIGNAL_EXIT_LONG,
      SIGNAL_EXIT_LONG,
    ]);
  });
});

describe("series in scratch lines", () => {
  const bars = syntheticBars({ bars: 200, seed: 9 });
  /** The bars where `a > b`, for one series pair the test knows by value. */
  const above = (a: Float64Array, b: Float64Array, warmup: number) =>
    Array.from(a, (x, i) => (i > warmup && x > b[i] ? L : 0));

  it("two Bollinger bands of different periods keep their own values", () => {
    const d = long({
      ">": [
        { bollinger: { period: 10, stdDev: 2, band: "upper" } },
        { bollinger: { period: 20, stdDev: 1, band: "lower" } },
      ],
    });
    const a = bollinger(bars.close, 10, 2).upper;
    const b = bollinger(bars.close, 20, 1).lower;
    const r = run(d, bars);
    expect(r.warmup).toBe(19);
    expect(r.bits).toEqual(above(a, b, 19));
  });

  it("MACD lines and histograms of different spans keep their own values", () => {
    const d = long({
      ">": [
        { macd: { fast: 3, slow: 8, signal: 4, line: "histogram" } },
        { macd: { fast: 5, slow: 12, signal: 6, line: "signal" } },
      ],
    });
    const a = macd(bars.close, 3, 8, 4).histogram;
    const b = macd(bars.close, 5, 12, 6).signal;
    const r = run(d, bars);
    expect(r.warmup).toBe(16);
    expect(r.bits).toEqual(above(a, b, 16));
  });
});

describe("parameters and constraints", () => {
  const d: Definition = {
    parameters: {
      fast: { integer: true },
      slow: {},
      band: { min: 0, minExclusive: true },
    },
    constraints: [
      { left: "fast", op: "<=", right: "slow" },
      { left: "band", op: ">", right: "fast" },
    ],
    entry: {
      long: {
        ">": [
          { sma: { period: { param: "fast" } } },
          { bollinger: { period: { param: "slow" }, stdDev: { param: "band" }, band: "upper" } },
        ],
      },
    },
  };
  const s = strategyFromDefinition(d, "test");

  it("shapes each parameter by its declared bounds narrowed by its uses, in declared order", () => {
    expect(Object.keys(s.shape.shape)).toEqual(["fast", "slow", "band"]);
    expect(() => parseParams(s, { fast: 2, slow: 2.5, band: 3 })).toThrow(/slow: .*int/);
    expect(() => parseParams(s, { fast: 2, slow: 10_001, band: 3 })).toThrow(/slow: .*<=10000/);
    expect(() => parseParams(s, { fast: 2, slow: 4, band: 11 })).toThrow(/band: .*<=10/);
    expect(parseParams(s, { fast: 2, slow: 4, band: 3 })).toEqual({ fast: 2, slow: 4, band: 3 });
  });

  it("checks <= and > between parameters, naming the left one", () => {
    expect(parseParams(s, { fast: 4, slow: 4, band: 5 })).toBeDefined();
    expect(() => parseParams(s, { fast: 5, slow: 4, band: 6 })).toThrow(
      /fast: fast must not exceed slow/,
    );
    expect(() => parseParams(s, { fast: 4, slow: 4, band: 4 })).toThrow(
      /band: band must be greater than fast/,
    );
  });

  it("counts a grid under those constraints by arithmetic, as planSweep enumerates it", () => {
    const grid = { fast: [2, 3, 4, 5], slow: [3, 4, 5], band: [2, 3.5, 4, 6] };
    const count = countCombinations(s, gridAxes(s, grid));
    expect(count).toBe(planSweep(s, grid).count);
    expect(count).toBe(21);
  });

  it("`>=` holds on equality and counts as `<=` swapped", () => {
    const ge = strategyFromDefinition({
      ...d,
      constraints: [{ left: "slow", op: ">=", right: "fast" }],
    });
    const grid = { fast: [2, 3, 4, 5], slow: [3, 4], band: 1 };
    expect(countCombinations(ge, gridAxes(ge, grid))).toBe(planSweep(ge, grid).count);
    expect(planSweep(ge, grid).count).toBe(5);
  });
});

describe("orders", () => {
  const ctx = backtestContext(syntheticBars({ bars: 100, seed: 2 }));
  const rule = { entry: { long: { ">": ["close", 0] } } } as const;

  it("are absent without size or levels: the built-ins' all-in orders", () => {
    expect(strategyFromDefinition(rule).orders).toBeUndefined();
    expect(strategyFromDefinition({ ...rule, size: 1 }).orders).toBeUndefined();
  });

  it("resolve the size and the levels for each combination, ATR from the cache", () => {
    const s = strategyFromDefinition({
      ...rule,
      parameters: { size: {}, n: {} },
      size: { param: "size" },
      stopLoss: { percent: 2 },
      takeProfit: { atr: { param: "n" }, multiple: 3 },
    });
    const orders = s.orders?.(ctx.indicators, { size: 0.25, n: 14 });
    expect(orders).toEqual({
      size: 0.25,
      stopLoss: { kind: "percent", percent: 2 },
      takeProfit: { kind: "atr", multiple: 3, atr: ctx.indicators.atr(14) },
    });
    expect(orders?.takeProfit?.kind === "atr" && orders.takeProfit.atr).toBe(
      ctx.indicators.atr(14),
    );
  });
});

describe("compileDefinition", () => {
  it("names the strategy, keeps the source and a description, per strategyFromDefinition's fallback", () => {
    const parsed = parseDefinition({ entry: { long: { ">": ["close", 1] } } });
    const s = compileDefinition(parsed, "mine");
    expect(s.name).toBe("mine");
    expect(s.definition).toBe(parsed.source);
    expect(strategyFromDefinition({ entry: { long: { ">": ["close", 1] } } }).name).toBe("custom");
    expect(strategyFromDefinition({ name: "x", entry: { long: { ">": ["close", 1] } } }).name).toBe(
      "x",
    );
  });
});

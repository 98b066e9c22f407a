// Proves each strategy's parameter schema, its warm-up, and its signals on hand-made series.
import { describe, expect, it } from "vitest";
import { backtestContext, runBacktest } from "../backtest.ts";
import { allocateBars, type Bars } from "../bars.ts";
import { InvalidParams } from "../errors.ts";
import { IndicatorCache } from "../indicator-cache.ts";
import {
  denseSignals,
  SIGNAL_EXIT_LONG,
  SIGNAL_EXIT_SHORT,
  SIGNAL_LONG,
  SIGNAL_SHORT,
  signalBuffer,
} from "../signals.ts";
import type { Params } from "../strategy.ts";
import { parseParams } from "../strategy.ts";
import { syntheticBars } from "../synthetic.ts";
import { getStrategy, STRATEGIES } from "./index.ts";

const L = SIGNAL_LONG;
const S = SIGNAL_SHORT;

/**
 * Daily bars with these closes. Each bar opens at the previous close, and its high and low
 * span open and close; with `flat`, open, high and low all equal the close instead.
 */
function handBars(closes: readonly number[], flat = false): Bars {
  const bars = allocateBars(closes.length);
  closes.forEach((c, i) => {
    const o = flat || i === 0 ? c : closes[i - 1];
    bars.time[i] = Date.UTC(2024, 0, 1 + i);
    bars.open[i] = o;
    bars.close[i] = c;
    bars.high[i] = Math.max(o, c);
    bars.low[i] = Math.min(o, c);
    bars.volume[i] = 1000;
  });
  return bars;
}

/** A strategy's warm-up bar and its signal bits, one value per bar. */
function signalsOf(name: string, bars: Bars, params: Params) {
  const buffer = signalBuffer(bars.length);
  const warmup = getStrategy(name).signals(new IndicatorCache(bars), params, buffer);
  return { warmup, bits: Array.from(denseSignals(buffer, bars.length)) };
}

/** The message of the InvalidParams that parseParams throws, failing if it accepts. */
function paramsError(name: string, raw: unknown): string {
  try {
    parseParams(getStrategy(name), raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParams);
    return (error as InvalidParams).message;
  }
  throw new Error(`${name} accepted ${JSON.stringify(raw)}`);
}

describe("registry", () => {
  it("holds the six strategies in documentation order, each found by name", () => {
    expect(STRATEGIES.map((s) => s.name)).toEqual([
      "sma-crossover",
      "ema-crossover",
      "rsi-reversion",
      "bollinger-reversion",
      "macd-crossover",
      "donchian-breakout",
    ]);
    for (const s of STRATEGIES) expect(getStrategy(s.name)).toBe(s);
  });

  it("rejects an unknown name, listing the known ones", () => {
    expect(() => getStrategy("sma")).toThrow(InvalidParams);
    expect(() => getStrategy("sma")).toThrow(/unknown strategy "sma"; known strategies: sma-/);
  });
});

describe("parameter schemas", () => {
  // [strategy, valid params, [invalid params, parameter the message must name, what it says]]
  const cases: [string, Params, [Record<string, unknown>, string, RegExp][]][] = [
    [
      "sma-crossover",
      { fast: 10, slow: 30 },
      [
        [{ fast: 0, slow: 30 }, "fast", />=1/],
        [{ fast: 2.5, slow: 30 }, "fast", /int/],
        [{ fast: 10, slow: 1 }, "slow", />=2/],
        [{ fast: 10, slow: 10_001 }, "slow", /<=10000/],
        [{ fast: 30, slow: 30 }, "fast", /fast must be less than slow/],
        [{ fast: 40, slow: 30 }, "fast", /fast must be less than slow/],
        [{ fast: 10 }, "slow", /expected number/],
      ],
    ],
    [
      "ema-crossover",
      { fast: 12, slow: 26 },
      [
        [{ fast: 0, slow: 26 }, "fast", />=1/],
        [{ fast: 12, slow: 26.5 }, "slow", /int/],
        [{ fast: 26, slow: 12 }, "fast", /fast must be less than slow/],
      ],
    ],
    [
      "rsi-reversion",
      { period: 14, lower: 30, upper: 70.5 },
      [
        [{ period: 1, lower: 30, upper: 70 }, "period", />=2/],
        [{ period: 14.5, lower: 30, upper: 70 }, "period", /int/],
        [{ period: 14, lower: 0, upper: 70 }, "lower", />0/],
        [{ period: 14, lower: 30, upper: 100 }, "upper", /<100/],
        [{ period: 14, lower: 70, upper: 30 }, "lower", /lower must be less than upper/],
        [{ period: 14, lower: 50, upper: 50 }, "lower", /lower must be less than upper/],
      ],
    ],
    [
      "bollinger-reversion",
      { period: 20, stdDev: 10 },
      [
        [{ period: 1, stdDev: 2 }, "period", />=2/],
        [{ period: 20.5, stdDev: 2 }, "period", /int/],
        [{ period: 20, stdDev: 0 }, "stdDev", />0/],
        [{ period: 20, stdDev: 10.5 }, "stdDev", /<=10/],
      ],
    ],
    [
      "macd-crossover",
      { fast: 12, slow: 26, signal: 1 },
      [
        [{ fast: 12, slow: 26, signal: 0 }, "signal", />=1/],
        [{ fast: 12, slow: 26, signal: "9" }, "signal", /expected number/],
        [{ fast: 26, slow: 26, signal: 9 }, "fast", /fast must be less than slow/],
        [{ fast: 1, slow: 1, signal: 9 }, "slow", />=2/],
      ],
    ],
    [
      "donchian-breakout",
      { entry: 20, exit: 10 },
      [
        [{ entry: 1, exit: 1 }, "entry", />=2/],
        [{ entry: 20, exit: 0 }, "exit", />=1/],
        [{ entry: 20, exit: 20 }, "exit", /exit must be less than entry/],
        [{ entry: 20, exit: 7.5 }, "exit", /int/],
      ],
    ],
  ];

  it("covers every strategy", () => {
    expect(cases.map(([name]) => name).sort()).toEqual(STRATEGIES.map((s) => s.name).sort());
  });

  describe.each(cases)("%s", (name, valid, invalid) => {
    it(`accepts ${JSON.stringify(valid)}`, () => {
      expect(parseParams(getStrategy(name), valid)).toEqual(valid);
    });

    it.each(invalid)("rejects %j, naming %s", (raw, param, says) => {
      const message = paramsError(name, raw);
      expect(message).toMatch(new RegExp(`^invalid parameters for ${name}: .*\\b${param}: `));
      expect(message).toMatch(says);
    });

    it("rejects an unknown parameter", () => {
      expect(paramsError(name, { ...valid, extra: 1 })).toMatch(/Unrecognized key: "extra"/);
    });
  });
});

describe("warm-up: the first bar the strategy is evaluated at", () => {
  const ctx = backtestContext(syntheticBars({ bars: 300, seed: 4 }));
  it.each([
    ["sma-crossover", { fast: 10, slow: 30 }, 30],
    ["ema-crossover", { fast: 12, slow: 26 }, 26],
    ["rsi-reversion", { period: 14, lower: 30, upper: 70 }, 15],
    ["bollinger-reversion", { period: 20, stdDev: 2 }, 20],
    ["macd-crossover", { fast: 12, slow: 26, signal: 9 }, 34],
    ["donchian-breakout", { entry: 20, exit: 10 }, 20],
    ["donchian-breakout", { entry: 5, exit: 4 }, 5],
  ] as const)("%s %j starts at bar %i", (name, params, start) => {
    const result = runBacktest(ctx, getStrategy(name), params);
    expect(result.start).toBe(start);
    // Bars before the start hold the starting cash, and nothing trades before it.
    expect(Array.from(result.equity.subarray(0, start)).every((e) => e === 10_000)).toBe(true);
    for (const t of result.trades) expect(t.entryBar).toBeGreaterThan(start - 1);
    // No signal is written before the start.
    const { bits } = signalsOf(name, ctx.bars, params);
    expect(bits.slice(0, start).every((b) => b === 0)).toBe(true);
  });

  it("data shorter than the warm-up gives no signal and no trade", () => {
    const short = syntheticBars({ bars: 25, seed: 4 });
    for (const [name, params] of [
      ["sma-crossover", { fast: 10, slow: 30 }],
      ["rsi-reversion", { period: 30, lower: 30, upper: 70 }],
      ["donchian-breakout", { entry: 40, exit: 10 }],
    ] as const) {
      const { warmup, bits } = signalsOf(name, short, params);
      expect(warmup, name).toBe(25);
      expect(bits.every((b) => b === 0)).toBe(true);
      const result = runBacktest(backtestContext(short), getStrategy(name), params);
      expect(result.trades).toEqual([]);
      expect(result.stats.equityFinal).toBe(10_000);
    }
  });
});

describe("signals on hand-made series", () => {
  it("sma-crossover 1/3: a cross needs a strict inequality on both bars", () => {
    // SMA(3): bars 2..10 = 10, 10, 9.67, 9, 8.67, 9.33, 10.67, 11, 10. Bar 4 falls below a
    // flat average (equal on bar 3), so it is no cross; bar 6 crosses over (8 < 9, then
    // 9 > 8.67); bar 9 crosses under (12 > 10.67, then 10 < 11).
    const { warmup, bits } = signalsOf(
      "sma-crossover",
      handBars([10, 10, 10, 10, 9, 8, 9, 11, 12, 10, 8]),
      { fast: 1, slow: 3 },
    );
    expect(warmup).toBe(2);
    expect(bits).toEqual([0, 0, 0, 0, 0, 0, L, 0, 0, S, 0]);
  });

  it("ema-crossover 1/3: the same crosses on the EMA (alpha 1/2, seeded with 10)", () => {
    // EMA(3): bars 2..10 = 10, 10, 9.5, 8.75, 8.875, 9.9375, 10.97, 10.48, 9.24.
    const { warmup, bits } = signalsOf(
      "ema-crossover",
      handBars([10, 10, 10, 10, 9, 8, 9, 11, 12, 10, 8]),
      { fast: 1, slow: 3 },
    );
    expect(warmup).toBe(2);
    expect(bits).toEqual([0, 0, 0, 0, 0, 0, L, 0, 0, S, 0]);
  });

  it("rsi-reversion 2 (30/70): long at the bottom of a V, short at the top", () => {
    // Wilder RSI(2) from bar 2: 100, 50, 25, 12.5, 56.25, 78.125, 89.06. Bar 2 reads 100
    // but is the warm-up bar, so it does not signal.
    const { warmup, bits } = signalsOf(
      "rsi-reversion",
      handBars([10, 11, 12, 11, 10, 9, 10, 11, 12]),
      { period: 2, lower: 30, upper: 70 },
    );
    expect(warmup).toBe(2);
    expect(bits).toEqual([0, 0, 0, 0, L, L, 0, S, S]);
  });

  it("bollinger-reversion 3 (1 sd): long on a spike down, short on a spike up", () => {
    // Bar 4: window 10, 10, 7 has mean 9 and sd 1.41, lower band 7.59 > 7. Bar 7: window
    // 10, 10, 13 has upper band 12.41 < 13. A flat window (bar 3) has zero-width bands and
    // a close on them does not signal.
    const { warmup, bits } = signalsOf(
      "bollinger-reversion",
      handBars([10, 10, 10, 10, 7, 10, 10, 13, 10]),
      { period: 3, stdDev: 1 },
    );
    expect(warmup).toBe(2);
    expect(bits).toEqual([0, 0, 0, 0, L, 0, 0, S, 0]);
  });

  it("macd-crossover 1/2/2: long when a jump lifts MACD over its signal, short as it fades", () => {
    // EMA(2) (alpha 2/3) seeded 10 at bar 1; MACD = close - EMA(2); signal = EMA(2) of MACD,
    // seeded at bar 2. Bar 4: MACD -0.33 < signal -0.22 (bar 3: both 0, no cross). Bar 5:
    // MACD 0.89 > signal 0.52: long. Bar 6: MACD 0.30 < signal 0.37: short.
    const { warmup, bits } = signalsOf("macd-crossover", handBars([10, 10, 10, 10, 9, 12, 12]), {
      fast: 1,
      slow: 2,
      signal: 2,
    });
    expect(warmup).toBe(2);
    expect(bits).toEqual([0, 0, 0, 0, 0, L, S]);
  });

  it("donchian-breakout 3/2: breakouts of the previous bars' channel, and exits", () => {
    // High = low = close. Bar 4 closes 12 above the previous 3 bars' high 11: long, and above
    // the previous 2 bars' high 10.5: exit short. Bar 6 closes 10.8 below the previous 2
    // bars' low 11: exit long. Bar 7 closes 9 below the previous 3 bars' low 10.8: short and
    // exit long. Bar 9 closes 11.5 above 10.8 and 10: long and exit short.
    const { warmup, bits } = signalsOf(
      "donchian-breakout",
      handBars([10, 11, 10, 10.5, 12, 11, 10.8, 9, 10, 11.5], true),
      { entry: 3, exit: 2 },
    );
    expect(warmup).toBe(2);
    expect(bits).toEqual([
      0,
      0,
      0,
      0,
      L | SIGNAL_EXIT_SHORT,
      0,
      SIGNAL_EXIT_LONG,
      S | SIGNAL_EXIT_LONG,
      0,
      L | SIGNAL_EXIT_SHORT,
    ]);
  });
});

describe("modes", () => {
  const sma = getStrategy("sma-crossover");
  // The sma-crossover series above, extended: long signal at bar 6, short at bar 9.
  const ctx = backtestContext(handBars([10, 10, 10, 10, 9, 8, 9, 11, 12, 10, 8, 7, 7]));
  const params = { fast: 1, slow: 3 };

  it("long-short reverses at the short signal; long-only only closes the long", () => {
    const both = runBacktest(ctx, sma, params, { cash: 1000, mode: "long-short" });
    expect(both.trades).toMatchObject([{ entryBar: 7, exitBar: 10, entryPrice: 9, exitPrice: 10 }]);
    expect(both.trades[0].units).toBeGreaterThan(0);
    expect(both.openTrade).toMatchObject({ entryBar: 10, entryPrice: 10 });
    expect(both.openTrade!.units).toBeLessThan(0);

    const long = runBacktest(ctx, sma, params, { cash: 1000, mode: "long-only" });
    expect(long.trades).toEqual(both.trades);
    expect(long.openTrade).toBeUndefined();
  });

  const REPRESENTATIVE: Record<string, Params> = {
    "sma-crossover": { fast: 5, slow: 20 },
    "ema-crossover": { fast: 5, slow: 20 },
    "rsi-reversion": { period: 7, lower: 35, upper: 65 },
    "bollinger-reversion": { period: 10, stdDev: 1 },
    "macd-crossover": { fast: 6, slow: 13, signal: 5 },
    "donchian-breakout": { entry: 10, exit: 5 },
  };

  it.each(STRATEGIES.map((s) => [s.name, s] as const))(
    "%s: long-only never holds a short, where long-short does",
    (name, strategy) => {
      const params = REPRESENTATIVE[name];
      let shorts = 0;
      for (const seed of [1, 2, 3]) {
        const data = backtestContext(syntheticBars({ bars: 500, seed, volatility: 0.4 }));
        for (const finalizeTrades of [false, true]) {
          for (const tradeOnClose of [false, true]) {
            const options = { finalizeTrades, tradeOnClose };
            const long = runBacktest(data, strategy, params, { ...options, mode: "long-only" });
            const held = [...long.trades, ...(long.openTrade ? [long.openTrade] : [])];
            expect(held.length).toBeGreaterThan(0);
            for (const t of held) expect(t.units, JSON.stringify(t)).toBeGreaterThan(0);
            const both = runBacktest(data, strategy, params, { ...options, mode: "long-short" });
            shorts += both.trades.filter((t) => t.units < 0).length;
          }
        }
      }
      expect(shorts).toBeGreaterThan(0);
    },
  );
});

describe("readings the docs settle (docs/strategies.md)", () => {
  it("donchian-breakout starts at bar entry: a breakout on that bar already signals", () => {
    // entry 3: bars 0-2 span 10..12, and bar 3 closes above their highest high.
    const bars = handBars([10, 11, 12, 13, 13, 13], true);
    const { warmup, bits } = signalsOf("donchian-breakout", bars, { entry: 3, exit: 2 });
    expect(warmup + 1).toBe(3);
    expect(bits[3] & L).toBe(L);
  });

  it("rsi-reversion is level-based: every bar below lower is a long signal, not only the cross", () => {
    // A steady fall keeps RSI(2) at 0: every bar from the start signals long.
    const bars = handBars([20, 19, 18, 17, 16, 15, 14]);
    const { warmup, bits } = signalsOf("rsi-reversion", bars, { period: 2, lower: 30, upper: 70 });
    expect(bits.slice(warmup + 1)).toEqual(Array(bits.length - warmup - 1).fill(L));
  });

  it("RSI reads 50 only without any move; after a move a flat stretch holds the last reading", () => {
    const cache = (closes: number[]) => new IndicatorCache(handBars(closes));
    const flat = cache(Array(30).fill(100)).rsi(5);
    expect(flat.slice(5).every((v) => v === 50)).toBe(true);
    // Down moves, then flat for 200 bars: the reading stays where the moves left it (far
    // from 50), as Wilder's smoothing shrinks both averages by the same factor.
    const closes = [100, 99, 100, 98, 97, 96, ...Array(200).fill(96)];
    const r = cache(closes).rsi(5);
    const before = r[5];
    expect(before).toBeLessThan(20);
    for (let i = 6; i < closes.length; i++) expect(Math.abs(r[i] - before)).toBeLessThan(1e-9);
  });

  it("macd seeds the signal EMA with the mean of the first `signal` MACD values", () => {
    const bars = syntheticBars({ bars: 80, seed: 11 });
    const [fast, slow, signal] = [3, 7, 4];
    const m = new IndicatorCache(bars).macd(fast, slow, signal);
    const firstLine = slow - 1;
    expect(Number.isNaN(m.macd[firstLine - 1])).toBe(true);
    expect(Number.isNaN(m.macd[firstLine])).toBe(false);
    const seedBar = slow + signal - 2;
    expect(Number.isNaN(m.signal[seedBar - 1])).toBe(true);
    let sum = 0;
    for (let i = firstLine; i <= seedBar; i++) sum += m.macd[i];
    expect(m.signal[seedBar]).toBe(sum / signal);
    const decay = (signal - 1) / (signal + 1);
    const x = m.macd[seedBar + 1];
    expect(m.signal[seedBar + 1]).toBe(x + decay * (m.signal[seedBar] - x));
  });

  it("bollinger-reversion never trades beyond sqrt(period - 1) deviations, always below it", () => {
    const bars = syntheticBars({ bars: 2_000, seed: 3 });
    const ctx = backtestContext(bars);
    const trades = (period: number, stdDev: number) =>
      runBacktest(ctx, getStrategy("bollinger-reversion"), { period, stdDev }).stats.trades;
    for (const period of [2, 5, 10]) {
      expect(trades(period, Math.sqrt(period - 1) * 1.001), `period ${period}`).toBe(0);
    }
    // Period 2 below one deviation: every moving bar is beyond a band, so every change of
    // direction reverses the position.
    const { bits, warmup } = signalsOf("bollinger-reversion", bars, { period: 2, stdDev: 0.9 });
    const moving = bits
      .slice(warmup + 1)
      .filter((_, k) => bars.close[warmup + 1 + k] !== bars.close[warmup + k]);
    expect(moving.every((b) => b === L || b === S)).toBe(true);
    expect(trades(2, 0.9)).toBeGreaterThan(500);
  });
});

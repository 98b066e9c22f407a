// Proves syntheticBars is deterministic, well-formed OHLCV on business days, and validated.
import { describe, expect, it } from "vitest";
import type { Bars } from "./bars.ts";
import { InvalidParams } from "./errors.ts";
import { normalSampler, uniformSampler } from "./random.ts";
import { MAX_PRICE, MAX_SYNTHETIC_BARS, MIN_PRICE, syntheticBars } from "./synthetic.ts";

const MS_PER_DAY = 86_400_000;
const columns = (bars: Bars) => [
  bars.time,
  bars.open,
  bars.high,
  bars.low,
  bars.close,
  bars.volume,
];

describe("syntheticBars", () => {
  it("gives identical arrays for the same seed", () => {
    const a = syntheticBars({ bars: 1000, seed: 42 });
    const b = syntheticBars({ bars: 1000, seed: 42 });
    expect(columns(a)).toEqual(columns(b));
  });

  it("gives different prices for a different seed but the same calendar", () => {
    const a = syntheticBars({ bars: 1000, seed: 42 });
    const b = syntheticBars({ bars: 1000, seed: 43 });
    expect(a.close).not.toEqual(b.close);
    expect(a.volume).not.toEqual(b.volume);
    expect(a.time).toEqual(b.time);
  });

  it("keeps a prefix stable when more bars are asked for", () => {
    const short = syntheticBars({ bars: 100, seed: 5 });
    const long = syntheticBars({ bars: 200, seed: 5 });
    expect(long.close.subarray(0, 100)).toEqual(short.close);
  });

  it("holds the OHLC invariants over 10k bars", () => {
    const bars = syntheticBars({ bars: 10_000, seed: 7 });
    expect(bars.length).toBe(10_000);
    for (const column of columns(bars)) expect(column.length).toBe(10_000);
    for (let i = 0; i < bars.length; i++) {
      const { open, high, low, close, volume } = bars;
      expect(Number.isFinite(high[i])).toBe(true);
      if (!(low[i] > 0 && low[i] <= Math.min(open[i], close[i]))) {
        throw new Error(`bar ${i}: low ${low[i]} open ${open[i]} close ${close[i]}`);
      }
      if (!(high[i] >= Math.max(open[i], close[i]))) {
        throw new Error(`bar ${i}: high ${high[i]} open ${open[i]} close ${close[i]}`);
      }
      if (!(volume[i] >= 1 && Number.isInteger(volume[i]))) {
        throw new Error(`bar ${i}: volume ${volume[i]}`);
      }
    }
  });

  it("opens at startPrice and gaps each later open off the previous close by a little", () => {
    const bars = syntheticBars({ bars: 500, seed: 3, startPrice: 250 });
    expect(bars.open[0]).toBe(250);
    for (let i = 1; i < bars.length; i++) {
      const gap = Math.abs(Math.log(bars.open[i] / bars.close[i - 1]));
      expect(gap).toBeLessThan(0.02);
    }
  });

  it("puts bars on business days only, strictly increasing, from 2000-01-03", () => {
    const bars = syntheticBars({ bars: 10_000, seed: 1 });
    expect(bars.time[0]).toBe(Date.UTC(2000, 0, 3));
    for (let i = 0; i < bars.length; i++) {
      const weekday = new Date(bars.time[i]).getUTCDay();
      if (weekday === 0 || weekday === 6) throw new Error(`bar ${i} falls on weekday ${weekday}`);
      if (i > 0 && !(bars.time[i] > bars.time[i - 1]))
        throw new Error(`bar ${i} not after ${i - 1}`);
    }
    // Friday to Monday skips the weekend; Monday to Tuesday is one day.
    expect(bars.time[5] - bars.time[4]).toBe(3 * MS_PER_DAY);
    expect(bars.time[1] - bars.time[0]).toBe(MS_PER_DAY);
  });

  it("rolls a weekend startTime to Monday, keeping the time of day", () => {
    const saturday = Date.UTC(2024, 5, 1, 14, 30);
    const bars = syntheticBars({ bars: 3, seed: 1, startTime: saturday });
    expect(bars.time[0]).toBe(Date.UTC(2024, 5, 3, 14, 30));
    expect(new Date(bars.time[0]).getUTCDay()).toBe(1);
  });

  it("roughly matches the requested drift and volatility of log returns", () => {
    const bars = syntheticBars({ bars: 50_000, seed: 11, drift: 0.1, volatility: 0.3 });
    let sum = 0;
    let sumSq = 0;
    for (let i = 1; i < bars.length; i++) {
      const r = Math.log(bars.close[i] / bars.close[i - 1]);
      sum += r;
      sumSq += r * r;
    }
    const n = bars.length - 1;
    const mean = sum / n;
    const sd = Math.sqrt(sumSq / n - mean * mean);
    expect(sd * Math.sqrt(252)).toBeCloseTo(0.3, 2);
    // Drift is noisy: the standard error of the annualised mean here is about 0.034.
    expect(mean * 252).toBeGreaterThan(0.1 - 0.045 - 0.15);
    expect(mean * 252).toBeLessThan(0.1 - 0.045 + 0.15);
  });

  it("keeps prices finite and inside the reflecting band under extreme drift", () => {
    const bars = syntheticBars({ bars: 20_000, seed: 2, drift: 10, volatility: 2 });
    for (let i = 0; i < bars.length; i++) {
      if (!(bars.close[i] >= MIN_PRICE * 0.999999 && bars.close[i] <= MAX_PRICE * 1.000001)) {
        throw new Error(`bar ${i}: close ${bars.close[i]}`);
      }
      if (!(Number.isFinite(bars.high[i]) && bars.low[i] > 0)) throw new Error(`bar ${i}`);
    }
  });

  it("survives an absurd drift without overflowing", () => {
    const bars = syntheticBars({ bars: 100, seed: 4, drift: 1e6 });
    for (let i = 0; i < bars.length; i++) {
      if (!(Number.isFinite(bars.high[i]) && bars.low[i] > 0)) throw new Error(`bar ${i}`);
    }
  });

  it("makes flat bars with zero volatility", () => {
    const bars = syntheticBars({ bars: 10, seed: 1, volatility: 0, drift: 0 });
    expect(Array.from(bars.close)).toEqual(Array(10).fill(100));
    expect(Array.from(bars.high)).toEqual(Array(10).fill(100));
  });

  it.each([
    ["bars 0", { bars: 0, seed: 1 }],
    ["bars -5", { bars: -5, seed: 1 }],
    ["bars 1.5", { bars: 1.5, seed: 1 }],
    ["bars NaN", { bars: Number.NaN, seed: 1 }],
    ["bars over the cap", { bars: MAX_SYNTHETIC_BARS + 1, seed: 1 }],
    ["seed 0.5", { bars: 10, seed: 0.5 }],
    ["seed NaN", { bars: 10, seed: Number.NaN }],
    ["seed Infinity", { bars: 10, seed: Number.POSITIVE_INFINITY }],
    ["seed 2^53", { bars: 10, seed: 2 ** 53 }],
    ["startPrice 0", { bars: 10, seed: 1, startPrice: 0 }],
    ["startPrice -1", { bars: 10, seed: 1, startPrice: -1 }],
    ["startPrice NaN", { bars: 10, seed: 1, startPrice: Number.NaN }],
    ["drift Infinity", { bars: 10, seed: 1, drift: Number.POSITIVE_INFINITY }],
    ["drift NaN", { bars: 10, seed: 1, drift: Number.NaN }],
    ["volatility -0.1", { bars: 10, seed: 1, volatility: -0.1 }],
    ["volatility 11", { bars: 10, seed: 1, volatility: 11 }],
    ["startTime NaN", { bars: 10, seed: 1, startTime: Number.NaN }],
    ["startTime 1.5", { bars: 10, seed: 1, startTime: 1.5 }],
    ["startTime past the Date range", { bars: 10, seed: 1, startTime: 8.64e15 }],
  ])("throws InvalidParams for %s", (_, options) => {
    expect(() => syntheticBars(options)).toThrow(InvalidParams);
  });

  it("accepts negative and large safe-integer seeds, each distinct", () => {
    const seeds = [-1, 0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const closes = seeds.map((seed) => syntheticBars({ bars: 5, seed }).close[4]);
    expect(new Set(closes).size).toBe(seeds.length);
  });
});

describe("random samplers", () => {
  it("draws uniforms in [0, 1) with a mean near 1/2", () => {
    const next = uniformSampler(9);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = next();
      if (!(u >= 0 && u < 1)) throw new Error(`uniform ${u} out of range`);
      sum += u;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it("draws standard normals: mean near 0, variance near 1", () => {
    const z = normalSampler(9);
    let sum = 0;
    let sumSq = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = z();
      sum += x;
      sumSq += x * x;
    }
    expect(sum / n).toBeCloseTo(0, 2);
    expect(sumSq / n).toBeCloseTo(1, 1);
  });
});

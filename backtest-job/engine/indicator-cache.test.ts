// Proves the indicator cache: bit-identical series, a byte budget, and no growth per combination.
import { describe, expect, it } from "vitest";
import { IndicatorCache } from "./indicator-cache.ts";
import { bollinger, donchian, ema, macd, sma } from "./indicators/index.ts";
import { syntheticBars } from "./synthetic.ts";

const bars = syntheticBars({ bars: 1_000, seed: 7 });
const SERIES_BYTES = bars.length * Float64Array.BYTES_PER_ELEMENT;

describe("IndicatorCache", () => {
  it("hands out the indicator functions' series bit for bit", () => {
    const cache = new IndicatorCache(bars);
    expect(cache.sma(20)).toEqual(sma(bars.close, 20));
    expect(cache.ema(12)).toEqual(ema(bars.close, 12));
    expect(cache.donchian(15)).toEqual(donchian(bars.high, bars.low, 15));
    const bands = bollinger(bars.close, 20, 2.5);
    const cached = cache.bollinger(20, 2.5);
    expect(cached.middle).toEqual(bands.middle);
    expect(cached.upper).toEqual(bands.upper);
    expect(cached.lower).toEqual(bands.lower);
    const lines = macd(bars.close, 12, 26, 9);
    const m = cache.macd(12, 26, 9);
    expect(m.macd).toEqual(lines.macd);
    expect(m.signal).toEqual(lines.signal);
  });

  it("shares a window between calls: the same array, computed once", () => {
    const cache = new IndicatorCache(bars);
    expect(cache.sma(30)).toBe(cache.sma(30));
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(SERIES_BYTES);
  });

  it("keeps its memoised series within the byte budget, least recently used out first", () => {
    const cache = new IndicatorCache(bars, 10 * SERIES_BYTES);
    const first = cache.sma(2);
    for (let period = 3; period < 200; period++) {
      cache.sma(period);
      // Touching period 2 keeps it the most recently used, so it is never the one evicted.
      cache.sma(2);
      expect(cache.bytes).toBeLessThanOrEqual(10 * SERIES_BYTES);
    }
    expect(cache.size).toBe(10);
    expect(cache.sma(2)).toBe(first);
    // Period 3 was evicted long ago: it is recomputed, a new array with the same bits.
    const again = cache.sma(3);
    expect(again).toEqual(sma(bars.close, 3));
  });

  it("hands out a series larger than the whole budget without keeping any other", () => {
    const cache = new IndicatorCache(bars, SERIES_BYTES / 2);
    cache.sma(5);
    expect(cache.sma(6)).toEqual(sma(bars.close, 6));
    expect(cache.size).toBe(1);
  });

  it("memoises one series per period, not per MACD triple or Bollinger pair", () => {
    const cache = new IndicatorCache(bars);
    let triples = 0;
    for (let fast = 2; fast <= 6; fast++) {
      for (let slow = 20; slow <= 24; slow++) {
        for (let signal = 2; signal <= 41; signal++) {
          cache.macd(fast, slow, signal);
          triples++;
        }
      }
    }
    expect(triples).toBe(1_000);
    // Ten EMAs (fast 2..6, slow 20..24), whatever the number of signal spans.
    expect(cache.size).toBe(10);
    for (let period = 5; period <= 14; period++) {
      for (let k = 1; k <= 50; k++) cache.bollinger(period, k / 10);
    }
    // Plus an SMA and a rolling deviation per Bollinger period, whatever the widths.
    expect(cache.size).toBe(10 + 2 * 10);
    expect(cache.bytes).toBe(30 * SERIES_BYTES);
  });

  it("recomputes a MACD line when only the signal span stays the same", () => {
    const cache = new IndicatorCache(bars);
    cache.macd(3, 10, 5);
    const m = cache.macd(4, 10, 5);
    expect(m.macd).toEqual(macd(bars.close, 4, 10, 5).macd);
    expect(m.signal).toEqual(macd(bars.close, 4, 10, 5).signal);
  });
});

// Proves ema: SMA seed, warm-up and restarts, exact constants, and trading-signals parity.

import { EMA } from "trading-signals";
import { describe, expect, it } from "vitest";
import { ema } from "./ema.ts";
import { sma } from "./sma.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("ema", () => {
  it("rejects a period that is not an integer >= 1", () => {
    for (const period of [0, -3, 2.5, NaN, Number.POSITIVE_INFINITY]) {
      expect(() => ema(f64(1, 2, 3), period)).toThrow(RangeError);
    }
    expect(() => ema(f64(1), 0.5)).toThrow("ema: period must be an integer >= 1, got 0.5");
  });

  it("seeds with the mean of the first window at period - 1, then smooths with 2/(period+1)", () => {
    // alpha = 0.5: seed (2+4+6)/3 = 4, then 4+(8-4)/2 = 6, 6+(4-6)/2 = 5, 5+(4-5)/2 = 4.5.
    expect(ema(f64(2, 4, 6, 8, 4, 4), 3)).toEqual(f64(NaN, NaN, 4, 6, 5, 4.5));
  });

  it("is the identity for period 1", () => {
    const values = f64(0.1, 0.3, 0.7, 1e-9, 12345.678);
    expect(ema(values, 1)).toEqual(values);
  });

  it("starts at firstFinite + period - 1 after leading NaNs", () => {
    expect(ema(f64(NaN, NaN, 2, 4, 6, 8), 3)).toEqual(f64(NaN, NaN, NaN, NaN, 4, 6));
  });

  it("restarts its warm-up after a NaN or ±Infinity inside the series", () => {
    const out = ema(f64(2, 4, 6, 8, NaN, 1, 2, 3, 4), 3);
    expect(out).toEqual(f64(NaN, NaN, 4, 6, NaN, NaN, NaN, 2, 3));
    expect(ema(f64(2, 4, 6, Number.NEGATIVE_INFINITY, 1, 2, 3), 3)).toEqual(
      f64(NaN, NaN, 4, NaN, NaN, NaN, 2),
    );
  });

  it("keeps a constant series exactly constant, so two EMAs of it never cross", () => {
    const flat = new Float64Array(50).fill(0.1);
    expect(ema(flat, 3).subarray(2)).toEqual(new Float64Array(48).fill(0.1));
    expect(ema(flat, 7).subarray(6)).toEqual(new Float64Array(44).fill(0.1));
  });

  it("first value is the SMA at the same index", () => {
    const values = f64(3.3, 1.1, 4.4, 1.5, 9.2, 2.6, 5.3);
    expect(ema(values, 4)[3]).toBeCloseTo(sma(values, 4)[3], 14);
  });
});

const goog = loadGoog("ema parity with trading-signals on GOOG");

describe.skipIf(!goog)("ema parity with trading-signals 8.3.0 on GOOG closes", () => {
  const periods = [2, 5, 12, 26, 50];

  // trading-signals seeds its EMA with the first price (and reports it stable after `period`
  // prices); ours seeds with the SMA of the first `period`. The gap shrinks by (1 - alpha) per
  // bar, so skip until the seed's weight is below 1e-12: about 13.8 × (period + 1) bars after
  // the first value (740 bars in all for period 50, of 2148). A fixed 10 × period skip would
  // leave up to 3e-10 at period 50.
  it.each(periods)("period %i agrees to 1e-13 once the seed has decayed", (period) => {
    const { close } = goog!;
    const reference = new EMA(period);
    const theirs = Array.from(close, (price) => {
      const value = reference.add(price);
      return reference.isStable ? value : null;
    });
    const skip = period - 1 + Math.ceil(Math.log(1e-12) / Math.log(1 - 2 / (period + 1)));
    const result = divergence(ema(close, period), theirs, { from: skip });
    expect(result.definedMismatches).toEqual([]);
    expect(result.worst).toBeLessThan(1e-13);
  });

  // Given our seed as its first price, trading-signals runs the same recursion from the start.
  it.each(periods)(
    "period %i follows the same recursion to 1e-14 from the first value",
    (period) => {
      const { close } = goog!;
      const ours = ema(close, period);
      const reference = new EMA(period);
      const theirs = Array.from(close, (price, i): number | null => {
        if (i < period - 1) return null;
        return reference.add(i === period - 1 ? ours[i] : price);
      });
      const result = divergence(ours, theirs);
      expect(result.definedMismatches).toEqual([]);
      expect(result.worst).toBeLessThan(1e-14);
    },
  );
});

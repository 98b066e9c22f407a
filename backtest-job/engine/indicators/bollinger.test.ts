// Proves bollinger: population deviation bands, numerical soundness, and trading-signals parity.

import fc from "fast-check";
import { BollingerBands } from "trading-signals";
import { describe, expect, it } from "vitest";
import { bollinger } from "./bollinger.ts";
import { sma } from "./sma.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

/** Two-pass population standard deviation of one window: the textbook reference. */
function twoPassStd(window: readonly number[]): number {
  const mean = window.reduce((a, b) => a + b, 0) / window.length;
  return Math.sqrt(window.reduce((a, x) => a + (x - mean) ** 2, 0) / window.length);
}

describe("bollinger", () => {
  it("rejects a bad period or stdDev", () => {
    for (const period of [0, -1, 1.5, NaN]) {
      expect(() => bollinger(f64(1, 2, 3), period, 2)).toThrow(RangeError);
    }
    for (const stdDev of [0, -2, NaN, Number.POSITIVE_INFINITY]) {
      expect(() => bollinger(f64(1, 2, 3), 2, stdDev)).toThrow(RangeError);
    }
    expect(() => bollinger(f64(1), 2, 0)).toThrow(
      "bollinger: stdDev must be a finite number > 0, got 0",
    );
  });

  it("puts the bands stdDev population deviations around the SMA, from period - 1", () => {
    // Window [1, 2, 3]: mean 2, variance (1 + 0 + 1) / 3 (ddof 0), so band = 2 * sqrt(2/3).
    const { middle, upper, lower } = bollinger(f64(1, 2, 3, 5), 3, 2);
    expect(middle).toEqual(f64(NaN, NaN, 2, 10 / 3));
    expect(upper.subarray(0, 2)).toEqual(f64(NaN, NaN));
    expect(lower.subarray(0, 2)).toEqual(f64(NaN, NaN));
    expect(upper[2]).toBeCloseTo(2 + 2 * Math.sqrt(2 / 3), 14);
    expect(lower[2]).toBeCloseTo(2 - 2 * Math.sqrt(2 / 3), 14);
    // Window [2, 3, 5]: mean 10/3, variance (16 + 1 + 25) / 27 = 14/9.
    expect(upper[3]).toBeCloseTo(10 / 3 + 2 * Math.sqrt(14 / 9), 14);
  });

  it("middle is sma() bit for bit", () => {
    const close = Float64Array.from({ length: 500 }, (_, i) => 100 + Math.sin(i) * 7 + i / 10);
    expect(bollinger(close, 20, 2).middle).toEqual(sma(close, 20));
  });

  it("collapses onto the middle for a flat window, exactly", () => {
    const { middle, upper, lower } = bollinger(new Float64Array(8).fill(0.1), 3, 2);
    expect(upper.subarray(2)).toEqual(middle.subarray(2));
    expect(lower.subarray(2)).toEqual(middle.subarray(2));
  });

  it("follows leading NaNs and gaps the way sma does", () => {
    const close = f64(NaN, 1, 2, 3, NaN, 4, 5, 6);
    const { middle, upper } = bollinger(close, 2, 1);
    expect(middle).toEqual(sma(close, 2));
    expect(upper).toEqual(f64(NaN, NaN, 2, 3, NaN, NaN, 5, 6));
  });

  it("does not cancel catastrophically at a high price level", () => {
    // Every window is a permutation of 1e9 + {0, 1, 2, 3}: deviation sqrt(1.25). Raw sums of
    // x and x² would be around 4e18, where one ulp is 512.
    const close = Float64Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 4));
    const { middle, upper } = bollinger(close, 4, 1);
    for (let i = 3; i < close.length; i++) {
      expect(Math.abs(upper[i] - middle[i] - Math.sqrt(1.25))).toBeLessThan(1e-6);
    }
  });

  it("recovers the spread after an outlier leaves the window", () => {
    // Regression: with the sums anchored around a mean near 3e11, the residue of removing
    // the 1e12 outlier swamped the true spread of [1, 2, 3] until the next re-anchor.
    const close = f64(1e12, ...Array.from({ length: 30 }, (_, i) => 1 + (i % 3)));
    const { middle, upper } = bollinger(close, 3, 1);
    for (let i = 3; i < close.length; i++) {
      expect(upper[i] - middle[i]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    }
  });

  it("agrees with a two-pass deviation of every window (property)", () => {
    const value = fc.oneof(
      { weight: 9, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 1, arbitrary: fc.constant(NaN) },
    );
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        (xs, period) => {
          const { middle, upper, lower } = bollinger(Float64Array.from(xs), period, 2);
          for (let i = 0; i < xs.length; i++) {
            const window = xs.slice(Math.max(0, i - period + 1), i + 1);
            if (window.length < period || window.some(Number.isNaN)) {
              expect(upper[i]).toBeNaN();
              expect(lower[i]).toBeNaN();
              continue;
            }
            const scale = Math.max(1, ...window.map(Math.abs));
            const band = 2 * twoPassStd(window);
            expect(Math.abs(upper[i] - middle[i] - band)).toBeLessThanOrEqual(1e-9 * scale);
            expect(Math.abs(middle[i] - lower[i] - band)).toBeLessThanOrEqual(1e-9 * scale);
          }
        },
      ),
    );
  });
});

const goog = loadGoog("bollinger parity with trading-signals on GOOG");

describe.skipIf(!goog)("bollinger parity with trading-signals 8.3.0 on GOOG closes", () => {
  it.each([2, 5, 20, 50])("period %i agrees to 1e-14 (band width to 1e-12)", (period) => {
    const { close } = goog!;
    const reference = new BollingerBands(period, 2);
    const theirs = Array.from(close, (price) => reference.add(price));
    const ours = bollinger(close, period, 2);
    for (const line of ["middle", "upper", "lower"] as const) {
      const result = divergence(
        ours[line],
        theirs.map((bands) => bands?.[line] ?? null),
      );
      expect(result.definedMismatches).toEqual([]);
      expect(result.worst).toBeLessThan(1e-14);
    }
    // The width isolates the deviation, which the price level would otherwise hide.
    const width = divergence(
      ours.upper.map((upper, i) => upper - ours.lower[i]),
      theirs.map((bands) => (bands ? bands.upper - bands.lower : null)),
    );
    expect(width.worst).toBeLessThan(1e-12);
  });
});

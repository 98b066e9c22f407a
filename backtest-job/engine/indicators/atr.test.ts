// Proves atr: true range with gaps, Wilder smoothing, the first index, and trading-signals parity.

import { ATR } from "trading-signals";
import { describe, expect, it } from "vitest";
import { atr } from "./atr.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("atr", () => {
  it("rejects a bad period and columns of different lengths", () => {
    for (const period of [0, -1, 1.5, NaN]) {
      expect(() => atr(f64(2), f64(1), f64(1.5), period)).toThrow(RangeError);
    }
    expect(() => atr(f64(2), f64(1), f64(1.5), 0)).toThrow(
      "atr: period must be an integer >= 1, got 0",
    );
    expect(() => atr(f64(2, 3), f64(1), f64(1.5, 2), 1)).toThrow(RangeError);
  });

  it("smooths the true range Wilder's way, seeded by the mean of the first period, at period - 1", () => {
    const high = f64(10, 11, 12, 15, 13);
    const low = f64(8, 10.5, 11, 14, 12);
    const close = f64(9, 10.75, 11.5, 14.5, 12.5);
    // TR: 2 (high - low, no previous close), 2 (11 - 9), 1.25 (12 - 10.75),
    // 3.5 (gap up: 15 - 11.5), 2.5 (gap down: 14.5 - 12).
    // Seed (2 + 2 + 1.25) / 3 = 1.75; then (1.75 * 2 + 3.5) / 3 = 7/3; (7/3 * 2 + 2.5) / 3 = 43/18.
    const out = atr(high, low, close, 3);
    expect(out.subarray(0, 3)).toEqual(f64(NaN, NaN, 1.75));
    expect(out[3]).toBeCloseTo(7 / 3, 14);
    expect(out[4]).toBeCloseTo(43 / 18, 14);
  });

  it("is the true range itself for period 1", () => {
    expect(atr(f64(10, 11, 15), f64(8, 10.5, 14), f64(9, 10.75, 14.5), 1)).toEqual(f64(2, 2, 4.25));
  });

  it("starts at firstFinite + period - 1 with high - low as the first true range", () => {
    const out = atr(f64(NaN, 10, 11), f64(NaN, 8, 10.5), f64(NaN, 9, 10.75), 2);
    expect(out).toEqual(f64(NaN, NaN, 2));
  });

  it("restarts after a bar with a missing value, without its previous close", () => {
    const high = f64(10, 11, 12, 20, 21);
    const low = f64(8, 10, NaN, 19, 20);
    const close = f64(9, 10.5, 11, 19.5, 20.5);
    // After the gap, TR is 1 (20 - 19, the close before the gap is not used), then
    // max(1, 21 - 19.5, 20 - 19.5) = 1.5.
    expect(atr(high, low, close, 2)).toEqual(f64(NaN, 2, NaN, NaN, 1.25));
  });
});

const goog = loadGoog("atr parity with trading-signals on GOOG");

describe.skipIf(!goog)("atr parity with trading-signals 8.3.0 on GOOG bars", () => {
  it.each([1, 2, 5, 14, 50])("period %i agrees to 1e-14", (period) => {
    const { high, low, close } = goog!;
    const reference = new ATR(period);
    const theirs = Array.from(close, (c, i) =>
      reference.add({ high: high[i], low: low[i], close: c }),
    );
    const result = divergence(atr(high, low, close, period), theirs);
    expect(result.definedMismatches).toEqual([]);
    // Same seed and first index; trading-signals writes Wilder's step as prev + (TR - prev) / n.
    expect(result.worst).toBeLessThan(1e-14);
  });
});

// Proves rsi: Wilder's averages, the first index, the one-sided and flat cases, parity.

import { RSI } from "trading-signals";
import { describe, expect, it } from "vitest";
import { rsi } from "./rsi.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("rsi", () => {
  it("rejects a period that is not an integer >= 1", () => {
    for (const period of [0, -14, 14.5, NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rsi(f64(1, 2, 3), period)).toThrow(RangeError);
    }
    expect(() => rsi(f64(1), -1)).toThrow("rsi: period must be an integer >= 1, got -1");
  });

  it("uses Wilder's averages and is first defined at index period", () => {
    // Changes +1, +1, -1, +2. At 2: gain 1, loss 0 -> 100. At 3: gain (1+0)/2, loss (0+1)/2
    // -> 50. At 4: gain (0.5+2)/2 = 1.25, loss (0.5+0)/2 = 0.25 -> 100 * 1.25 / 1.5.
    const out = rsi(f64(1, 2, 3, 2, 4), 2);
    expect(out.subarray(0, 4)).toEqual(f64(NaN, NaN, 100, 50));
    expect(out[4]).toBeCloseTo(250 / 3, 13);
  });

  it("is exactly 100 without losses, 0 without gains and 50 without any movement", () => {
    expect(rsi(f64(1, 2, 3, 4, 5), 2).subarray(2)).toEqual(f64(100, 100, 100));
    expect(rsi(f64(5, 4, 3, 2, 1), 2).subarray(2)).toEqual(f64(0, 0, 0));
    expect(rsi(f64(7, 7, 7, 7, 7), 2).subarray(2)).toEqual(f64(50, 50, 50));
  });

  it("differs from trading-signals on a flat series on purpose (it says 100)", () => {
    const reference = new RSI(2);
    const theirs = [7, 7, 7, 7].map((price) => reference.add(price));
    expect(theirs).toEqual([null, null, 100, 100]);
  });

  it("starts at firstFinite + period after leading NaNs, and restarts after a gap", () => {
    expect(rsi(f64(NaN, 1, 2, 3, 2), 2)).toEqual(f64(NaN, NaN, NaN, 100, 50));
    expect(rsi(f64(1, 2, 3, NaN, 3, 2, 1), 2)).toEqual(f64(NaN, NaN, 100, NaN, NaN, NaN, 0));
  });
});

const goog = loadGoog("rsi parity with trading-signals on GOOG");

describe.skipIf(!goog)("rsi parity with trading-signals 8.3.0 on GOOG closes", () => {
  it.each([2, 5, 14, 30])("period %i agrees to 1e-12", (period) => {
    const { close } = goog!;
    const reference = new RSI(period);
    const theirs = Array.from(close, (price) => reference.add(price));
    const result = divergence(rsi(close, period), theirs);
    expect(result.definedMismatches).toEqual([]);
    // Same definition; trading-signals' 100 - 100 / (1 + RS) loses a few bits when RSI is
    // small (3e-13 at period 2), elsewhere the two agree to about 1e-15.
    expect(result.worst).toBeLessThan(1e-12);
  });
});

// Proves donchian: rolling extremes against brute force, gaps, and exact trading-signals parity.

import fc from "fast-check";
import { DonchianChannels } from "trading-signals";
import { describe, expect, it } from "vitest";
import { donchian } from "./donchian.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("donchian", () => {
  it("rejects a bad period and columns of different lengths", () => {
    for (const period of [0, -1, 1.5, NaN]) {
      expect(() => donchian(f64(2), f64(1), period)).toThrow(RangeError);
    }
    expect(() => donchian(f64(2), f64(1), -1)).toThrow(
      "donchian: period must be an integer >= 1, got -1",
    );
    expect(() => donchian(f64(2, 3), f64(1), 1)).toThrow(RangeError);
  });

  it("takes the extremes of the last period bars, current included, from period - 1", () => {
    const { upper, lower, middle } = donchian(f64(3, 5, 4, 2, 6), f64(1, 2, 2, 0, 3), 3);
    expect(upper).toEqual(f64(NaN, NaN, 5, 5, 6));
    expect(lower).toEqual(f64(NaN, NaN, 1, 0, 0));
    expect(middle).toEqual(f64(NaN, NaN, 3, 2.5, 3));
  });

  it("is the bar itself for period 1", () => {
    const { upper, lower } = donchian(f64(3, 5, 4), f64(1, 2, 2), 1);
    expect(upper).toEqual(f64(3, 5, 4));
    expect(lower).toEqual(f64(1, 2, 2));
  });

  it("blanks every window that holds a bar with a missing high or low", () => {
    const { upper } = donchian(f64(NaN, 1, 2, 3, NaN, 5, 6, 7), f64(0, 0, 0, 0, 0, 0, 0, 0), 2);
    expect(upper).toEqual(f64(NaN, NaN, 2, 3, NaN, NaN, 6, 7));
  });

  it("matches a brute-force scan of every window (property)", () => {
    // Few distinct values, so ties and plateaus are common.
    const price = fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: -5, max: 5 }) },
      { weight: 1, arbitrary: fc.constant(NaN) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(price, price), { maxLength: 80 }),
        fc.integer({ min: 1, max: 15 }),
        (bars, period) => {
          const high = Float64Array.from(bars, ([a, b]) => Math.max(a, b));
          const low = Float64Array.from(bars, ([a, b]) => Math.min(a, b));
          const out = donchian(high, low, period);
          for (let i = 0; i < bars.length; i++) {
            const from = i - period + 1;
            const highs = Array.from(high.subarray(Math.max(0, from), i + 1));
            const lows = Array.from(low.subarray(Math.max(0, from), i + 1));
            if (from < 0 || highs.some(Number.isNaN) || lows.some(Number.isNaN)) {
              expect([out.upper[i], out.lower[i], out.middle[i]]).toEqual([NaN, NaN, NaN]);
              continue;
            }
            expect(out.upper[i]).toBe(Math.max(...highs));
            expect(out.lower[i]).toBe(Math.min(...lows));
          }
        },
      ),
    );
  });
});

const goog = loadGoog("donchian parity with trading-signals on GOOG");

describe.skipIf(!goog)("donchian parity with trading-signals 8.3.0 on GOOG bars", () => {
  it.each([1, 5, 20, 55])("period %i agrees exactly", (period) => {
    const { high, low } = goog!;
    const reference = new DonchianChannels(period);
    const theirs = Array.from(high, (h, i) => reference.add({ high: h, low: low[i] }));
    const ours = donchian(high, low, period);
    for (const line of ["upper", "lower", "middle"] as const) {
      const result = divergence(
        ours[line],
        theirs.map((channels) => channels?.[line] ?? null),
      );
      expect(result.definedMismatches).toEqual([]);
      expect(result.worst).toBe(0);
    }
  });
});

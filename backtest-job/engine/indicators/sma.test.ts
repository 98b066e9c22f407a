// Proves sma: hand-computed windows, missing values, no drift, pandas and trading-signals parity.

import fc from "fast-check";
import { SMA } from "trading-signals";
import { describe, expect, it } from "vitest";
import { sma } from "./sma.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("sma", () => {
  it("rejects a period that is not an integer >= 1", () => {
    for (const period of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sma(f64(1, 2, 3), period)).toThrow(RangeError);
    }
    expect(() => sma(f64(1), 0)).toThrow("sma: period must be an integer >= 1, got 0");
  });

  it("averages the last `period` values, first defined at period - 1", () => {
    expect(sma(f64(1, 2, 3, 4, 5), 3)).toEqual(f64(Number.NaN, Number.NaN, 2, 3, 4));
    expect(sma(f64(1, 2, 3, 4, 5), 1)).toEqual(f64(1, 2, 3, 4, 5));
    expect(sma(f64(1, 2), 3)).toEqual(f64(Number.NaN, Number.NaN));
    expect(sma(f64(), 3)).toEqual(f64());
  });

  it("starts once `period` consecutive finite values exist, after leading NaNs", () => {
    const out = sma(f64(Number.NaN, Number.NaN, 1, 2, 3, 4), 2);
    expect(out).toEqual(f64(Number.NaN, Number.NaN, Number.NaN, 1.5, 2.5, 3.5));
  });

  it("blanks every window that holds a NaN or ±Infinity, then resumes", () => {
    expect(sma(f64(1, 2, Number.NaN, 4, 5, 6), 2)).toEqual(
      f64(Number.NaN, 1.5, Number.NaN, Number.NaN, 4.5, 5.5),
    );
    expect(sma(f64(1, 2, Number.POSITIVE_INFINITY, 4, 5, 6), 2)).toEqual(
      f64(Number.NaN, 1.5, Number.NaN, Number.NaN, 4.5, 5.5),
    );
  });

  it("returns a flat window's value exactly (0.1 * 3 / 3 would round to 0.10000000000000002)", () => {
    expect(sma(new Float64Array(6).fill(0.1), 3).subarray(2)).toEqual(
      new Float64Array(4).fill(0.1),
    );
  });

  it("matches pandas rolling(3).mean() to the last bit, where a plain rolling sum does not", () => {
    // pandas 3.0.6: pd.Series(values).rolling(3).mean(). A plain add/subtract rolling sum gives
    // 101.06666666666668, 100.20000000000003, ... on this input.
    const values = f64(
      101.1,
      101.2,
      101.3,
      100.7,
      99.9,
      100.05,
      100.15,
      100.35,
      100.1,
      99.95,
      100.2,
    );
    const pandas = f64(
      ...[Number.NaN, Number.NaN, 101.2, 101.06666666666666, 100.63333333333334],
      ...[100.21666666666665, 100.03333333333335, 100.18333333333332, 100.2],
      ...[100.13333333333333, 100.08333333333333],
    );
    expect(sma(values, 3)).toEqual(pandas);
  });

  it("does not drift over a million values", () => {
    const n = 1_000_000;
    const period = 20;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = 100 + 50 * Math.sin(i / 1000) + ((i * 7919) % 1000) / 997;
    }
    const out = sma(values, period);
    let worst = 0;
    for (let i = n - 1000; i < n; i++) {
      let fresh = 0;
      for (let j = i - period + 1; j <= i; j++) fresh += values[j];
      fresh /= period;
      worst = Math.max(worst, Math.abs(out[i] - fresh) / fresh);
    }
    // A plain rolling sum is about 4e-14 off by now; the fresh sums themselves are within ~6e-16.
    expect(worst).toBeLessThan(2e-15);
  });

  it("agrees with a fresh mean of every window (property)", () => {
    const value = fc.oneof(
      { weight: 9, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
    );
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (xs, period) => {
          const out = sma(Float64Array.from(xs), period);
          for (let i = 0; i < xs.length; i++) {
            const window = xs.slice(Math.max(0, i - period + 1), i + 1);
            if (window.length < period || window.some(Number.isNaN)) {
              expect(out[i]).toBeNaN();
              continue;
            }
            const scale = Math.max(1, ...window.map(Math.abs));
            const fresh = window.reduce((a, b) => a + b, 0) / period;
            expect(Math.abs(out[i] - fresh)).toBeLessThanOrEqual(1e-12 * scale);
          }
        },
      ),
    );
  });
});

const goog = loadGoog("sma parity with trading-signals on GOOG");

describe.skipIf(!goog)("sma parity with trading-signals 8.3.0 on GOOG closes", () => {
  it.each([1, 2, 5, 20, 50, 200])("period %i agrees to 1e-14", (period) => {
    const { close } = goog!;
    const reference = new SMA(period);
    const theirs = Array.from(close, (price) => reference.add(price));
    const result = divergence(sma(close, period), theirs);
    expect(result.definedMismatches).toEqual([]);
    // trading-signals sums each window afresh; the compensated rolling sum differs by ulps.
    expect(result.worst).toBeLessThan(1e-14);
  });
});

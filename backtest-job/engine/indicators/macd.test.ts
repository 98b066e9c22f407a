// Proves macd: composition of ema, first indices, and trading-signals parity once seeds decay.

import { EMA, MACD } from "trading-signals";
import { describe, expect, it } from "vitest";
import { ema } from "./ema.ts";
import { macd } from "./macd.ts";
import { divergence, loadGoog } from "./test-support/goog.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("macd", () => {
  it("rejects a period that is not an integer >= 1, naming it", () => {
    expect(() => macd(f64(1, 2, 3), 0, 26, 9)).toThrow("macd: fast must be an integer >= 1, got 0");
    expect(() => macd(f64(1, 2, 3), 12, 2.5, 9)).toThrow(RangeError);
    expect(() => macd(f64(1, 2, 3), 12, 26, NaN)).toThrow("macd: signal must be an integer >= 1");
  });

  it("is fast EMA minus slow EMA from slow - 1, signal from slow + signal - 2", () => {
    // fast 1 (the price itself), slow 3 (alpha 1/2): slow EMA 4, 6, 5, 4.5, 7.25 from index 2,
    // so macd = 2, 2, -1, -0.5, 2.75. Signal 3: seed (2 + 2 - 1) / 3 = 1 at index 4, then
    // -0.5 + (1 + 0.5) / 2 = 0.25 and 2.75 + (0.25 - 2.75) / 2 = 1.5.
    const out = macd(f64(2, 4, 6, 8, 4, 4, 10), 1, 3, 3);
    expect(out.macd).toEqual(f64(NaN, NaN, 2, 2, -1, -0.5, 2.75));
    expect(out.signal).toEqual(f64(NaN, NaN, NaN, NaN, 1, 0.25, 1.5));
    expect(out.histogram).toEqual(f64(NaN, NaN, NaN, NaN, -2, -0.75, 1.25));
  });

  it("is exactly ema(fast) - ema(slow), with ema(macd, signal) as its signal", () => {
    const close = Float64Array.from({ length: 300 }, (_, i) => 50 + 10 * Math.sin(i / 9) + i / 7);
    const out = macd(close, 12, 26, 9);
    const line = ema(close, 12).map((fast, i) => fast - ema(close, 26)[i]);
    expect(out.macd).toEqual(line);
    expect(out.signal).toEqual(ema(line, 9));
    expect(out.histogram).toEqual(line.map((value, i) => value - out.signal[i]));
  });

  it("accepts fast > slow, giving the mirror image from max(fast, slow) - 1", () => {
    const close = Float64Array.from({ length: 80 }, (_, i) => 20 + Math.cos(i / 5));
    const usual = macd(close, 12, 26, 9);
    const swapped = macd(close, 26, 12, 9);
    expect(swapped.macd).toEqual(usual.macd.map((value) => -value));
    expect(swapped.signal).toEqual(usual.signal.map((value) => -value));
  });

  it("shifts its first indices by the leading NaNs", () => {
    const close = f64(NaN, NaN, ...Array.from({ length: 10 }, (_, i) => i * i));
    const out = macd(close, 2, 3, 2);
    expect(out.macd.findIndex((v) => !Number.isNaN(v))).toBe(2 + 3 - 1);
    expect(out.signal.findIndex((v) => !Number.isNaN(v))).toBe(2 + 3 - 1 + 2 - 1);
  });
});

const goog = loadGoog("macd parity with trading-signals on GOOG");

describe.skipIf(!goog)("macd parity with trading-signals 8.3.0 on GOOG closes", () => {
  it("MACD(12, 26, 9) agrees to 5e-14 of the price once the seeds have decayed", () => {
    const { close } = goog!;
    const reference = new MACD(new EMA(12), new EMA(26), new EMA(9));
    const theirs = Array.from(close, (price) => reference.add(price));
    const ours = macd(close, 12, 26, 9);
    // trading-signals seeds every EMA with its first input: the price EMAs with close[0], and
    // the signal EMA with the first MACD value, reported at once from index 25 where ours
    // waits 8 more bars. Skip until the slow seed's weight is below 1e-12 (the fast and
    // signal seeds decay sooner). Errors are scaled by the price: the lines cross zero.
    const skip = 25 + Math.ceil(Math.log(1e-12) / Math.log(1 - 2 / 27));
    for (const line of ["macd", "signal", "histogram"] as const) {
      const result = divergence(
        ours[line],
        theirs.map((lines) => lines?.[line] ?? null),
        { from: skip, scale: close },
      );
      const expected = line === "macd" ? [] : [25, 26, 27, 28, 29];
      expect(result.definedMismatches).toEqual(expected);
      expect(result.worst).toBeLessThan(5e-14);
    }
  });
});

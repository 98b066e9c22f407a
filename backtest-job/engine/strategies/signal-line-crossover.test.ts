// Proves the fused MACD signal-line crossovers equal the general path: ema then crossoverSignals.
import { describe, expect, it } from "vitest";
import { firstDefined, IndicatorCache } from "../indicator-cache.ts";
import { emaInto } from "../indicators/index.ts";
import { type SignalBuffer, signalBuffer } from "../signals.ts";
import { syntheticBars } from "../synthetic.ts";
import { crossoverSignals } from "./crossover.ts";
import { getStrategy } from "./index.ts";
import { signalLineCrossoverPair, signalLineCrossoverSignals } from "./signal-line-crossover.ts";

/** The general path: the stored signal EMA, then the shared crossover scan. */
function general(line: Float64Array, period: number): { warmup: number; events: number[][] } {
  const signal = emaInto(line, period, new Float64Array(line.length));
  const warmup = Math.max(firstDefined(line), firstDefined(signal));
  const out = signalBuffer(line.length);
  crossoverSignals(line, signal, warmup + 1, out);
  return { warmup, events: events(out) };
}

const events = (out: SignalBuffer) =>
  Array.from({ length: out.count }, (_, k) => [out.bars[k], out.bits[k]]);

/** A MACD line of synthetic closes: NaN before `slow - 1`, finite after. */
function macdLine(bars: number, seed: number, fast: number, slow: number): Float64Array {
  return Float64Array.from(new IndicatorCache(syntheticBars({ bars, seed })).macdLine(fast, slow));
}

describe("signalLineCrossoverSignals", () => {
  it("gives the general path's events and warm-up, for periods 1 to 40 and lines that never warm up", () => {
    for (const [bars, slow] of [
      [600, 26],
      [30, 26],
      [5, 26],
    ]) {
      const line = macdLine(bars, 7, 12, slow);
      for (let period = 1; period <= 40; period++) {
        const out = signalBuffer(line.length);
        const warmup = signalLineCrossoverSignals(line, firstDefined(line), period, out);
        expect({ warmup, events: events(out) }).toEqual(general(line, period));
      }
    }
  });

  it("seeds a flat window with the value itself, as emaInto does", () => {
    const line = new Float64Array(40).fill(0.1);
    for (let i = 20; i < 40; i++) line[i] = i % 3 === 0 ? 0.3 : -0.2;
    const out = signalBuffer(40);
    const warmup = signalLineCrossoverSignals(line, 0, 3, out);
    expect({ warmup, events: events(out) }).toEqual(general(line, 3));
    expect(out.count).toBeGreaterThan(0);
  });

  it("returns -1 for a line with a gap after its start, which the general path restarts on", () => {
    const line = macdLine(300, 3, 5, 20);
    line[150] = Number.NaN;
    expect(signalLineCrossoverSignals(line, firstDefined(line), 9, signalBuffer(300))).toBe(-1);
    const pair = signalLineCrossoverPair;
    expect(pair(line, firstDefined(line), 9, signalBuffer(300), 10, signalBuffer(300))).toBe(-1);
  });
});

describe("signalLineCrossoverPair", () => {
  it("gives each period the events of the single form, in one pass", () => {
    const line = macdLine(800, 21, 8, 30);
    const first = firstDefined(line);
    for (const [a, b] of [
      [2, 3],
      [9, 17],
      [1, 40],
      [12, 12],
      [20, 5],
      [3, 900],
    ]) {
      const outA = signalBuffer(800);
      const outB = signalBuffer(800);
      const warmup = signalLineCrossoverPair(line, first, a, outA, b, outB);
      expect({ warmup, events: events(outA) }).toEqual(general(line, a));
      expect(events(outB)).toEqual(general(line, b).events);
    }
  });
});

describe("macd-crossover's lookahead", () => {
  it("gives every combination of a grid, in any order, the signals of a fresh cache", () => {
    const strategy = getStrategy("macd-crossover");
    const bars = syntheticBars({ bars: 700, seed: 5 });
    const shared = new IndicatorCache(bars);
    const combos: { fast: number; slow: number; signal: number }[] = [];
    for (const fast of [3, 6])
      for (const slow of [10, 14])
        for (const signal of [2, 4, 6, 7, 9, 5]) combos.push({ fast, slow, signal });
    // Grid order, then a shuffled order, then each combination twice in a row.
    const shuffled = combos.map((_, k) => combos[(k * 7) % combos.length]);
    const order = [...combos, ...shuffled, ...combos.flatMap((c) => [c, c])];
    for (const p of order) {
      const out = signalBuffer(bars.length);
      const warmup = strategy.signals(shared, p, out);
      const fresh = signalBuffer(bars.length);
      const expected = strategy.signals(new IndicatorCache(bars), p, fresh);
      expect({ p, warmup, events: events(out) }).toEqual({
        p,
        warmup: expected,
        events: events(fresh),
      });
      const line = new IndicatorCache(bars).macdLine(p.fast, p.slow);
      expect(events(out)).toEqual(general(line, p.signal).events);
    }
  });
});

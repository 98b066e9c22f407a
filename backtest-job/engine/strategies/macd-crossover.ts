// macd-crossover: momentum on the MACD line against its signal line.
import { z } from "zod";
import { firstDefined, type IndicatorCache } from "../indicator-cache.ts";
import { type SignalBuffer, signalBuffer } from "../signals.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";
import { crossoverSignals } from "./crossover.ts";
import { signalLineCrossoverPair, signalLineCrossoverSignals } from "./signal-line-crossover.ts";

type P = { fast: number; slow: number; signal: number };

/**
 * The signals of the combination a sweep is expected to ask for next, computed in the same
 * pass as the current one (see {@link signalLineCrossoverPair}). A grid enumerates `signal`
 * innermost, so the next combination is usually the same line with the signal period one
 * step on. Keyed by cache, so it never outlives the data it was made from.
 */
interface Lookahead {
  fast: number;
  slow: number;
  /** Signal period of the last call, to guess the grid's step. */
  lastSignal: number;
  /** Signal period whose events `events` holds, or -1. */
  signal: number;
  warmup: number;
  readonly events: SignalBuffer;
}

const lookaheads = new WeakMap<IndicatorCache, Lookahead>();

function lookaheadOf(ind: IndicatorCache): Lookahead {
  let memo = lookaheads.get(ind);
  if (memo === undefined) {
    const events = signalBuffer(ind.bars.length);
    memo = { fast: -1, slow: -1, lastSignal: -1, signal: -1, warmup: 0, events };
    lookaheads.set(ind, memo);
  }
  return memo;
}

const description =
  "Computes the MACD line, EMA(fast) minus EMA(slow) of the close, and its signal line, " +
  "the EMA of the MACD line with span `signal`. Goes long when the MACD line crosses over " +
  "the signal line and short when it crosses under (in long-only mode the cross under " +
  "closes the long). The strategy starts the bar after the signal line is defined, at " +
  "bar slow + signal - 1.";

/** Long when MACD crosses over its signal line; short (or flat in long-only) on the reverse. */
export const macdCrossover: Strategy<P> = {
  name: "macd-crossover",
  description,
  shape: z.object({ fast: period(1), slow: period(2), signal: period(1) }),
  constraints: [lessThan<P>("fast", "slow")],
  definition: {
    name: "macd-crossover",
    description,
    parameters: {
      fast: { integer: true, min: 1, max: 10_000 },
      slow: { integer: true, min: 2, max: 10_000 },
      signal: { integer: true, min: 1, max: 10_000 },
    },
    constraints: [{ left: "fast", op: "<", right: "slow" }],
    series: {
      macd: { macd: { fast: { param: "fast" }, slow: { param: "slow" }, line: "macd" } },
      signalLine: {
        macd: {
          fast: { param: "fast" },
          slow: { param: "slow" },
          signal: { param: "signal" },
          line: "signal",
        },
      },
    },
    entry: {
      long: { crossesAbove: ["macd", "signalLine"] },
      short: { crossesBelow: ["macd", "signalLine"] },
    },
  },
  signals(ind, p, out) {
    const memo = lookaheadOf(ind);
    const sameLine = memo.fast === p.fast && memo.slow === p.slow;
    if (sameLine && memo.signal === p.signal) {
      // Computed by the previous call's pass: the same events, copied.
      const n = memo.events.count;
      out.bars.set(memo.events.bars.subarray(0, n));
      out.bits.set(memo.events.bits.subarray(0, n));
      out.count = n;
      memo.lastSignal = p.signal;
      memo.signal = -1;
      return memo.warmup;
    }
    // The fused pass forms the signal line while it looks for crossovers; a line with a gap
    // (non-finite bars after its start) takes the general path below, with the same result.
    const line = ind.macdLine(p.fast, p.slow);
    const first = firstDefined(line);
    const step = sameLine ? p.signal - memo.lastSignal : 0;
    memo.fast = p.fast;
    memo.slow = p.slow;
    memo.lastSignal = p.signal;
    memo.signal = -1;
    let fused: number;
    if (step > 0 && Number.isInteger(p.signal + step)) {
      const next = p.signal + step;
      fused = signalLineCrossoverPair(line, first, p.signal, out, next, memo.events);
      if (fused >= 0) {
        memo.signal = next;
        memo.warmup = Math.min(first + next - 1, line.length);
      }
    } else {
      fused = signalLineCrossoverSignals(line, first, p.signal, out);
    }
    if (fused >= 0) return fused;
    memo.signal = -1;
    const m = ind.macd(p.fast, p.slow, p.signal);
    const warmup = Math.max(firstDefined(m.macd), firstDefined(m.signal));
    crossoverSignals(m.macd, m.signal, warmup + 1, out);
    return warmup;
  },
};

// Crossovers of a line with its own EMA, the EMA formed in the same pass (MACD's hot path).
import { SIGNAL_LONG, SIGNAL_SHORT, type SignalBuffer } from "../signals.ts";

/**
 * Writes where `line` crosses its signal line, `ema(line, period)`, as
 * {@link crossoverSignals}`(line, ema(line, period), warmup + 1, out)` does, and returns that
 * `warmup` (the later of the two lines' first defined bars). The EMA is never stored: each value
 * is formed with {@link emaInto}'s arithmetic, in its order, and compared at once, so a sweep
 * reads the line once per combination instead of three times and the signals are bit for bit
 * the same.
 *
 * Covers the usual line only: NaN up to bar `first` (the first defined bar) and finite from
 * there on. Returns -1 when a later value is not finite, having written nothing valid: the
 * caller then takes the general path, whose EMA restarts its warm-up after a gap.
 *
 * @example const warmup = signalLineCrossoverSignals(ind.macdLine(12, 26), firstDefined(line), 9, out)
 */
export function signalLineCrossoverSignals(
  line: Float64Array,
  first: number,
  period: number,
  out: SignalBuffer,
): number {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`ema: period must be an integer >= 1, got ${period}`);
  }
  const n = line.length;
  const warmup = first + period - 1;
  out.count = 0;
  // The signal line is never defined: no crossover, and both lines' first defined bar is n.
  if (warmup >= n) return n;
  // emaInto's seed: the mean of the first `period` values, or the value itself when they are
  // all equal (sum / period may round away from it).
  const seedFirst = line[first];
  let seedSum = 0;
  let seedFlat = true;
  for (let i = first; i <= warmup; i++) {
    const v = line[i];
    if (!Number.isFinite(v)) return -1;
    seedSum += v;
    seedFlat &&= v === seedFirst;
  }
  const decay = (period - 1) / (period + 1);
  let signal = seedFlat ? seedFirst : seedSum / period;
  let prevLine = line[warmup];
  let prevSignal = signal;
  const bars = out.bars;
  const bits = out.bits;
  let m = 0;
  for (let i = warmup + 1; i < n; i++) {
    const v = line[i];
    if (!Number.isFinite(v)) return -1;
    // emaInto's step, in its form: x + (1 - alpha) * (prev - x).
    signal = v + decay * (signal - v);
    // backtesting.py's crossover: line[i-1] < signal[i-1] && line[i] > signal[i], and the reverse.
    if (prevLine < prevSignal) {
      if (v > signal) {
        bars[m] = i;
        bits[m++] = SIGNAL_LONG;
      }
    } else if (prevSignal < prevLine && signal > v) {
      bars[m] = i;
      bits[m++] = SIGNAL_SHORT;
    }
    prevLine = v;
    prevSignal = signal;
  }
  out.count = m;
  return warmup;
}

/**
 * {@link signalLineCrossoverSignals} for two signal periods of the same line in one pass:
 * `outA` gets what `periodA` gives and `outB` what `periodB` gives, bit for bit. Each EMA is a
 * chain of dependent floating-point steps, so one chain leaves the core waiting; two
 * independent chains in one loop cost little more than one. Returns periodA's warmup
 * (periodB's is `min(first + periodB - 1, line.length)`), or -1 as the single form does.
 */
export function signalLineCrossoverPair(
  line: Float64Array,
  first: number,
  periodA: number,
  outA: SignalBuffer,
  periodB: number,
  outB: SignalBuffer,
): number {
  const n = line.length;
  const warmA = first + periodA - 1;
  const warmB = first + periodB - 1;
  // Only the common case is fused: B's signal line starts later and both start in the data.
  if (!(warmA < warmB && warmB < n)) {
    if (signalLineCrossoverSignals(line, first, periodB, outB) < 0) return -1;
    return signalLineCrossoverSignals(line, first, periodA, outA);
  }
  if (!Number.isInteger(periodA) || periodA < 1 || !Number.isInteger(periodB)) {
    throw new RangeError(`ema: period must be an integer >= 1, got ${periodA}, ${periodB}`);
  }
  outA.count = 0;
  outB.count = 0;
  const seedFirst = line[first];
  let sumA = 0;
  let flatA = true;
  for (let i = first; i <= warmA; i++) {
    const v = line[i];
    if (!Number.isFinite(v)) return -1;
    sumA += v;
    flatA &&= v === seedFirst;
  }
  let sumB = sumA;
  let flatB = flatA;
  for (let i = warmA + 1; i <= warmB; i++) {
    const v = line[i];
    if (!Number.isFinite(v)) return -1;
    sumB += v;
    flatB &&= v === seedFirst;
  }
  const decayA = (periodA - 1) / (periodA + 1);
  const decayB = (periodB - 1) / (periodB + 1);
  let sigA = flatA ? seedFirst : sumA / periodA;
  let prevA = sigA;
  let prevLine = line[warmA];
  const barsA = outA.bars;
  const bitsA = outA.bits;
  let mA = 0;
  // A alone until B's signal line is defined (its seed window was checked finite above).
  for (let i = warmA + 1; i <= warmB; i++) {
    const v = line[i];
    sigA = v + decayA * (sigA - v);
    if (prevLine < prevA) {
      if (v > sigA) {
        barsA[mA] = i;
        bitsA[mA++] = SIGNAL_LONG;
      }
    } else if (prevA < prevLine && sigA > v) {
      barsA[mA] = i;
      bitsA[mA++] = SIGNAL_SHORT;
    }
    prevLine = v;
    prevA = sigA;
  }
  let sigB = flatB ? seedFirst : sumB / periodB;
  let prevB = sigB;
  const barsB = outB.bars;
  const bitsB = outB.bits;
  let mB = 0;
  for (let i = warmB + 1; i < n; i++) {
    const v = line[i];
    if (!Number.isFinite(v)) return -1;
    sigA = v + decayA * (sigA - v);
    sigB = v + decayB * (sigB - v);
    if (prevLine < prevA) {
      if (v > sigA) {
        barsA[mA] = i;
        bitsA[mA++] = SIGNAL_LONG;
      }
    } else if (prevA < prevLine && sigA > v) {
      barsA[mA] = i;
      bitsA[mA++] = SIGNAL_SHORT;
    }
    if (prevLine < prevB) {
      if (v > sigB) {
        barsB[mB] = i;
        bitsB[mB++] = SIGNAL_LONG;
      }
    } else if (prevB < prevLine && sigB > v) {
      barsB[mB] = i;
      bitsB[mB++] = SIGNAL_SHORT;
    }
    prevLine = v;
    prevA = sigA;
    prevB = sigB;
  }
  outA.count = mA;
  outB.count = mB;
  return warmA;
}

// Moving average convergence/divergence: fast EMA minus slow EMA, and its signal EMA.

import { ema, emaInto } from "./ema.ts";

/** The three MACD lines, each as long as the input. */
export interface MacdLines {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

/**
 * MACD (Appel): `macd = ema(close, fast) - ema(close, slow)`,
 * `signal = ema(macd, signal)` and `histogram = macd - signal`, every EMA seeded as
 * {@link ema} is.
 *
 * `macd` is first defined at `firstFinite + max(fast, slow) - 1` and `signal` and
 * `histogram` `signal - 1` bars later. `fast >= slow` is not rejected: a parameter sweep
 * may visit it, and the lines stay well defined (just inverted).
 *
 * @example macd(close, 12, 26, 9).histogram
 */
export function macd(close: Float64Array, fast: number, slow: number, signal: number): MacdLines {
  checkPeriod("fast", fast);
  checkPeriod("slow", slow);
  checkPeriod("signal", signal);
  const n = close.length;
  const line = macdLineInto(ema(close, fast), ema(close, slow), new Float64Array(n));
  const signalLine = emaInto(line, signal, new Float64Array(n));
  const histogram = new Float64Array(n);
  for (let i = 0; i < n; i++) histogram[i] = line[i] - signalLine[i];
  return { macd: line, signal: signalLine, histogram };
}

/**
 * The MACD line, `fastEma - slowEma`, written into `out`: the one place it is formed, so a
 * sweep that keeps the EMAs and reuses buffers gets {@link macd}'s line bit for bit.
 */
export function macdLineInto(
  fastEma: Float64Array,
  slowEma: Float64Array,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = fastEma[i] - slowEma[i];
  return out;
}

function checkPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`macd: ${name} must be an integer >= 1, got ${period}`);
  }
}

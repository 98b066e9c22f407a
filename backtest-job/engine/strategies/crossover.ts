// Crossover signals shared by the moving-average and MACD strategies.
import { SIGNAL_LONG, SIGNAL_SHORT } from "../signals.ts";

/**
 * Long where `a` crosses over `b`, short where `b` crosses over `a`, for bars `>= from`.
 * "Crosses over" is backtesting.py's `crossover`: `a[i-1] < b[i-1] && a[i] > b[i]`.
 */
export function crossoverSignals(
  a: Float64Array,
  b: Float64Array,
  from: number,
  out: Uint8Array,
): void {
  out.fill(0);
  for (let i = Math.max(from, 1); i < out.length; i++) {
    const pa = a[i - 1];
    const pb = b[i - 1];
    const ca = a[i];
    const cb = b[i];
    out[i] = pa < pb && ca > cb ? SIGNAL_LONG : pb < pa && cb > ca ? SIGNAL_SHORT : 0;
  }
}

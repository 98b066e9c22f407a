// Crossover signals shared by the moving-average and MACD strategies.
import { SIGNAL_LONG, SIGNAL_SHORT, type SignalBuffer } from "../signals.ts";

/**
 * Long where `a` crosses over `b`, short where `b` crosses over `a`, for bars `>= from`.
 * "Crosses over" is backtesting.py's `crossover`: `a[i-1] < b[i-1] && a[i] > b[i]`.
 */
export function crossoverSignals(
  a: Float64Array,
  b: Float64Array,
  from: number,
  out: SignalBuffer,
): void {
  const bars = out.bars;
  const bits = out.bits;
  const n = a.length;
  let m = 0;
  const first = Math.max(from, 1);
  let pa = a[first - 1];
  let pb = b[first - 1];
  for (let i = first; i < n; i++) {
    const ca = a[i];
    const cb = b[i];
    if (pa < pb) {
      if (ca > cb) {
        bars[m] = i;
        bits[m++] = SIGNAL_LONG;
      }
    } else if (pb < pa && cb > ca) {
      bars[m] = i;
      bits[m++] = SIGNAL_SHORT;
    }
    pa = ca;
    pb = cb;
  }
  out.count = m;
}

// Wilder's relative strength index over closing prices.

/**
 * Relative strength index with Wilder's smoothing (Wilder 1978; TA-Lib's RSI).
 *
 * The first average gain and loss are the simple means of the first `period` changes; each
 * later one is `(prev * (period - 1) + current) / period`, and
 * `rsi = 100 * avgGain / (avgGain + avgLoss)`. The first defined index is
 * `firstFinite + period` (it needs `period` changes, so `period + 1` closes).
 *
 * Edge cases: no losses gives 100 and no gains gives 0, exactly. No movement at all (both
 * averages 0) gives 50, a neutral reading, where trading-signals says 100 and TA-Lib 0
 * (docs/decisions/0005-indicator-definitions.md). A NaN or ±Infinity close blanks that bar
 * and restarts the warm-up.
 */
export function rsi(close: Float64Array, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`rsi: period must be an integer >= 1, got ${period}`);
  }
  const n = close.length;
  const out = new Float64Array(n);
  let changes = 0;
  let gain = 0;
  let loss = 0;
  let previous = Number.NaN;
  for (let i = 0; i < n; i++) {
    const c = close[i];
    out[i] = Number.NaN;
    if (!Number.isFinite(c)) {
      changes = 0;
      previous = Number.NaN;
      continue;
    }
    if (Number.isNaN(previous)) {
      previous = c;
      gain = 0;
      loss = 0;
      continue;
    }
    const change = c - previous;
    previous = c;
    const up = Math.max(change, 0);
    const down = Math.max(-change, 0);
    if (changes < period) {
      gain += up;
      loss += down;
      changes++;
      if (changes < period) continue;
      gain /= period;
      loss /= period;
    } else {
      gain = (gain * (period - 1) + up) / period;
      loss = (loss * (period - 1) + down) / period;
    }
    // 100 * g / (g + l) rather than 100 - 100 / (1 + g / l): no cancellation near 0, and the
    // one-sided cases are exact.
    if (loss === 0) out[i] = gain === 0 ? 50 : 100;
    else if (gain === 0) out[i] = 0;
    else out[i] = (100 * gain) / (gain + loss);
  }
  return out;
}

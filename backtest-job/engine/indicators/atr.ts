// Wilder's average true range, seeded and indexed the way trading-signals' ATR is.

/**
 * Average true range: Wilder's smoothing of the true range
 * `TR[i] = max(high - low, |high - prevClose|, |low - prevClose|)`, with `TR = high - low`
 * on a bar that has no previous close.
 *
 * The seed is the simple mean of the first `period` true ranges, the first bar's
 * `high - low` included, so the first defined index is `firstFinite + period - 1`; each
 * later value is `(prev * (period - 1) + TR) / period`. This matches trading-signals' ATR;
 * TA-Lib instead drops the first bar's TR and starts one bar later
 * (docs/decisions/0005-indicator-definitions.md). A bar with a NaN or ±Infinity high, low or
 * close is blanked and restarts the warm-up.
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
): Float64Array {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`atr: period must be an integer >= 1, got ${period}`);
  }
  const n = close.length;
  if (high.length !== n || low.length !== n) {
    throw new RangeError(
      `atr: high, low and close must have the same length, got ${high.length}, ${low.length}, ${n}`,
    );
  }
  const out = new Float64Array(n);
  let seen = 0;
  let average = 0;
  let previousClose = Number.NaN;
  for (let i = 0; i < n; i++) {
    const h = high[i];
    const l = low[i];
    const c = close[i];
    out[i] = Number.NaN;
    if (!Number.isFinite(h) || !Number.isFinite(l) || !Number.isFinite(c)) {
      seen = 0;
      previousClose = Number.NaN;
      continue;
    }
    const trueRange = Number.isNaN(previousClose)
      ? h - l
      : Math.max(h - l, Math.abs(h - previousClose), Math.abs(l - previousClose));
    previousClose = c;
    if (seen < period) {
      average = seen === 0 ? trueRange : average + trueRange;
      seen++;
      if (seen < period) continue;
      average /= period;
    } else {
      average = (average * (period - 1) + trueRange) / period;
    }
    out[i] = average;
  }
  return out;
}

// Donchian channels: rolling highest high and lowest low, by monotonic deques.

/** The three Donchian lines, each as long as the input. */
export interface DonchianChannels {
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly middle: Float64Array;
}

/**
 * Donchian channels over the last `period` bars, the current bar included: `upper` is the
 * highest high, `lower` the lowest low and `middle` their midpoint.
 *
 * The first defined index is `firstFinite + period - 1`; a bar with a NaN or ±Infinity high
 * or low blanks every window that contains it. O(n) whatever the period: each index enters
 * and leaves each deque once.
 *
 * @example donchian(Float64Array.of(3, 5, 4), Float64Array.of(1, 2, 2), 2).upper // [NaN, 5, 5]
 */
export function donchian(high: Float64Array, low: Float64Array, period: number): DonchianChannels {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`donchian: period must be an integer >= 1, got ${period}`);
  }
  const n = high.length;
  if (low.length !== n) {
    throw new RangeError(
      `donchian: high and low must have the same length, got ${n} and ${low.length}`,
    );
  }
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const middle = new Float64Array(n);
  // Ring buffers of bar indices. `maxIdx` holds strictly decreasing highs, `minIdx` strictly
  // increasing lows, so each front is its window's extreme. After expiring the front, a
  // deque holds at most period - 1 indices before the push, so `period` slots suffice.
  const capacity = Math.min(period, n);
  const maxIdx = new Uint32Array(capacity);
  const minIdx = new Uint32Array(capacity);
  let maxHead = 0;
  let maxSize = 0;
  let minHead = 0;
  let minSize = 0;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const h = high[i];
    const l = low[i];
    if (!Number.isFinite(h) || !Number.isFinite(l)) {
      maxSize = 0;
      minSize = 0;
      run = 0;
      upper[i] = Number.NaN;
      lower[i] = Number.NaN;
      middle[i] = Number.NaN;
      continue;
    }
    run++;
    const expired = i - period;
    if (maxSize > 0 && maxIdx[maxHead] === expired) {
      maxHead = maxHead + 1 === capacity ? 0 : maxHead + 1;
      maxSize--;
    }
    if (minSize > 0 && minIdx[minHead] === expired) {
      minHead = minHead + 1 === capacity ? 0 : minHead + 1;
      minSize--;
    }
    while (maxSize > 0) {
      let back = maxHead + maxSize - 1;
      if (back >= capacity) back -= capacity;
      if (high[maxIdx[back]] > h) break;
      maxSize--;
    }
    let slot = maxHead + maxSize;
    if (slot >= capacity) slot -= capacity;
    maxIdx[slot] = i;
    maxSize++;
    while (minSize > 0) {
      let back = minHead + minSize - 1;
      if (back >= capacity) back -= capacity;
      if (low[minIdx[back]] < l) break;
      minSize--;
    }
    slot = minHead + minSize;
    if (slot >= capacity) slot -= capacity;
    minIdx[slot] = i;
    minSize++;
    if (run < period) {
      upper[i] = Number.NaN;
      lower[i] = Number.NaN;
      middle[i] = Number.NaN;
      continue;
    }
    const top = high[maxIdx[maxHead]];
    const bottom = low[minIdx[minHead]];
    upper[i] = top;
    lower[i] = bottom;
    middle[i] = (top + bottom) / 2;
  }
  return { upper, lower, middle };
}

// Exponential moving average seeded with the simple mean of its first window.

/**
 * Exponential moving average with `alpha = 2 / (period + 1)`.
 *
 * The first defined value, at index `firstFinite + period - 1`, is the simple mean of the
 * first `period` finite values (TA-Lib's seed); each later value is
 * `prev + alpha * (x - prev)`, evaluated as `x + (1 - alpha) * (prev - x)`. A NaN or
 * ±Infinity after the start blanks that bar and restarts the warm-up, so the output never
 * mixes data from before a gap with data after it.
 *
 * @example ema(Float64Array.of(1, 2, 3, 4), 3) // [NaN, NaN, 2, 3]
 */
export function ema(values: Float64Array, period: number): Float64Array {
  return emaInto(values, period, new Float64Array(values.length));
}

/**
 * {@link ema} written into `out` (as long as `values`, and not `values` itself), so a sweep
 * can reuse one buffer for every combination; returns `out`.
 */
export function emaInto(values: Float64Array, period: number, out: Float64Array): Float64Array {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`ema: period must be an integer >= 1, got ${period}`);
  }
  const n = values.length;
  if (out.length !== n || out === values) {
    throw new RangeError("ema: out must be a separate buffer as long as the values");
  }
  // 1 - alpha = (period - 1) / (period + 1), rounded once instead of twice.
  const decay = (period - 1) / (period + 1);
  let seen = 0;
  let seedSum = 0;
  let seedFlat = true;
  let seedFirst = 0;
  let current = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      seen = 0;
      current = Number.NaN;
      out[i] = Number.NaN;
      continue;
    }
    if (seen < period) {
      if (seen === 0) {
        seedSum = 0;
        seedFlat = true;
        seedFirst = v;
      }
      seedSum += v;
      seedFlat &&= v === seedFirst;
      seen++;
      // A flat seed window seeds with the value itself: sum/period may round away from it,
      // and two EMAs of a constant series must stay equal (else crossovers fire on noise).
      if (seen === period) current = seedFlat ? seedFirst : seedSum / period;
      out[i] = current;
      continue;
    }
    // This form keeps a constant input exactly constant and makes period 1 the identity,
    // which alpha * x + (1 - alpha) * prev (trading-signals) does not.
    current = v + decay * (current - v);
    out[i] = current;
  }
  return out;
}

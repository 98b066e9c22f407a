// Simple moving average as a compensated rolling sum, so long series do not drift.

/**
 * Simple moving average: `out[i]` is the mean of `values[i-period+1 ..= i]`.
 *
 * A value is defined only when every value in its window is finite, so the first defined
 * index is `firstFinite + period - 1`; leading NaNs (another indicator's warm-up) just
 * delay it, and a NaN or ±Infinity inside the series blanks the `period` windows that
 * contain it (pandas' `rolling(period).mean()` treats ±Infinity as missing too).
 *
 * @example sma(Float64Array.of(1, 2, 3, 4), 2) // [NaN, 1.5, 2.5, 3.5]
 */
export function sma(values: Float64Array, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`sma: period must be an integer >= 1, got ${period}`);
  }
  const n = values.length;
  const out = new Float64Array(n);
  // The state and its update order follow pandas' roll_mean kernel
  // (pandas/_libs/window/aggregations.pyx) so results agree with pandas to the last bit on
  // finite input: one Kahan sum with separate compensations for added and removed values,
  // the removal applied before the addition.
  let sum = 0;
  let addCompensation = 0;
  let removeCompensation = 0;
  let count = 0;
  let negatives = 0;
  // Length of the current run of identical values: a flat window returns the value itself
  // instead of sum/period, whose rounding could make two flat averages differ (pandas GH#42064).
  let sameRun = 0;
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      const old = values[i - period];
      if (Number.isFinite(old)) {
        count--;
        const y = -old - removeCompensation;
        const t = sum + y;
        removeCompensation = t - sum - y;
        sum = t;
        if (old < 0) negatives--;
        if (count === 0) {
          // An all-missing window: restart from an exact zero rather than carry the rounding
          // residue of everything that left (pandas keeps it; this is the one divergence).
          sum = 0;
          addCompensation = 0;
          removeCompensation = 0;
        }
      }
    }
    const v = values[i];
    if (Number.isFinite(v)) {
      count++;
      const y = v - addCompensation;
      const t = sum + y;
      addCompensation = t - sum - y;
      sum = t;
      if (v < 0) negatives++;
      sameRun = v === last ? sameRun + 1 : 1;
      last = v;
    }
    if (count < period) {
      out[i] = Number.NaN;
      continue;
    }
    let mean = sum / period;
    if (sameRun >= period) mean = last;
    // Rounding must not push a mean of same-signed values across zero.
    else if (negatives === 0 && mean < 0) mean = 0;
    else if (negatives === period && mean > 0) mean = 0;
    out[i] = mean;
  }
  return out;
}

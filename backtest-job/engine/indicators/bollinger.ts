// Bollinger bands: the SMA plus and minus a multiple of the window's population deviation.

import { sma } from "./sma.ts";

/**
 * Past this ratio of mean(d²) to the variance, the subtraction has lost about 10 of the 53
 * bits and the window is summed afresh.
 */
const CANCELLATION_LIMIT = 1024;

/** The three Bollinger lines, each as long as the input. */
export interface BollingerBands {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
}

/**
 * Bollinger bands: `middle` is {@link sma} (bit for bit), and the bands sit
 * `stdDev` population standard deviations (divide by `period`, as Bollinger and TA-Lib do)
 * of the same window above and below it.
 *
 * Defined exactly where the SMA is: from `firstFinite + period - 1`, blank for every window
 * holding a NaN or ±Infinity.
 *
 * @example bollinger(close, 20, 2).upper
 */
export function bollinger(close: Float64Array, period: number, stdDev: number): BollingerBands {
  checkPeriod(period);
  checkStdDev(stdDev);
  const middle = sma(close, period);
  const n = close.length;
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  bandsInto(middle, rollingDeviation(close, period, middle), stdDev, upper, lower);
  return { middle, upper, lower };
}

function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`bollinger: period must be an integer >= 1, got ${period}`);
  }
}

/** Throws unless `stdDev` is a finite number > 0. */
export function checkStdDev(stdDev: number): void {
  if (!Number.isFinite(stdDev) || stdDev <= 0) {
    throw new RangeError(`bollinger: stdDev must be a finite number > 0, got ${stdDev}`);
  }
}

/**
 * Writes `middle ± stdDev * deviation` into `upper` and `lower`: the one place the bands
 * are formed, so cached deviations give the bands {@link bollinger} gives, bit for bit.
 */
export function bandsInto(
  middle: Float64Array,
  deviation: Float64Array,
  stdDev: number,
  upper: Float64Array,
  lower: Float64Array,
): void {
  for (let i = 0; i < middle.length; i++) {
    const band = stdDev * deviation[i];
    upper[i] = middle[i] + band;
    lower[i] = middle[i] - band;
  }
}

/**
 * The population standard deviation of each `period` window of `close`, NaN where
 * `middle` (its {@link sma}) is undefined. It does not depend on the band width, so a sweep
 * over widths computes it once per period.
 */
export function rollingDeviation(
  close: Float64Array,
  period: number,
  middle: Float64Array,
): Float64Array {
  checkPeriod(period);
  const n = close.length;
  const deviation = new Float64Array(n);
  // The variance comes from Neumaier-compensated rolling sums of d = x - shift and d², with
  // var = mean(d²) - mean(d)². Around a shift near the window mean this does not cancel
  // catastrophically, as raw x and x² sums would at price levels. The sums are recomputed
  // from scratch around the current mean (a two-pass over one window, like TA-Lib's and
  // trading-signals' per-bar computation) every `period` bars, so rounding cannot accumulate
  // over a long series and the shift follows the price: O(period) per `period` bars. They
  // are also recomputed at once when cancellation has eaten more than about 10 bits, which
  // happens when an outlier leaves the window and the spread collapses.
  let shift = 0;
  let sum = 0;
  let sumCompensation = 0;
  let squares = 0;
  let squaresCompensation = 0;
  let sinceAnchor = 0;
  let run = 0;
  let sameRun = 0;
  for (let i = 0; i < n; i++) {
    const v = close[i];
    if (!Number.isFinite(v)) {
      run = 0;
      deviation[i] = Number.NaN;
      continue;
    }
    run++;
    sameRun = run > 1 && v === close[i - 1] ? sameRun + 1 : 1;
    if (run < period) {
      deviation[i] = Number.NaN;
      continue;
    }
    const mean = middle[i];
    let reanchor = run === period || sinceAnchor === period;
    if (!reanchor) {
      const dIn = v - shift;
      const dOut = close[i - period] - shift;
      // Add dIn - dOut and dIn² - dOut² = (dIn - dOut)(dIn + dOut): one compensated step each,
      // and the factored form does not subtract two large squares.
      const step = dIn - dOut;
      let t = sum + step;
      sumCompensation += Math.abs(sum) >= Math.abs(step) ? sum - t + step : step - t + sum;
      sum = t;
      const squareStep = step * (dIn + dOut);
      t = squares + squareStep;
      squaresCompensation +=
        Math.abs(squares) >= Math.abs(squareStep)
          ? squares - t + squareStep
          : squareStep - t + squares;
      squares = t;
    }
    sinceAnchor++;
    let variance = 0;
    for (;;) {
      if (reanchor) {
        shift = mean;
        sum = 0;
        squares = 0;
        sumCompensation = 0;
        squaresCompensation = 0;
        for (let j = i - period + 1; j <= i; j++) {
          const d = close[j] - shift;
          sum += d;
          squares += d * d;
        }
        sinceAnchor = 0;
      }
      // A flat window has exactly zero spread, where the sums could leave a rounding residue
      // whose square root would be far from negligible.
      if (sameRun >= period) break;
      const meanD = (sum + sumCompensation) / period;
      const meanSquares = (squares + squaresCompensation) / period;
      variance = meanSquares - meanD * meanD;
      if (reanchor || meanSquares <= CANCELLATION_LIMIT * variance) break;
      reanchor = true;
    }
    if (variance < 0) variance = 0;
    deviation[i] = Math.sqrt(variance);
  }
  return deviation;
}

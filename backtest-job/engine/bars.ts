// OHLCV bars stored column-wise in typed arrays, the engine's only market-data shape.

/**
 * Bars in ascending time. Every column has `length` entries; `time` holds epoch
 * milliseconds (UTC). Columns are Float64Array so hot loops never box a number.
 */
export interface Bars {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The column names of {@link Bars}, in CSV order after the timestamp. */
export const PRICE_COLUMNS = ["open", "high", "low", "close", "volume"] as const;

/** Allocates empty columns for `length` bars. */
export function allocateBars(length: number): Bars {
  return {
    length,
    time: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/** The first `length` bars, sharing memory with `bars` (no copy). */
export function sliceBars(bars: Bars, length: number): Bars {
  const n = Math.max(0, Math.min(length, bars.length));
  return {
    length: n,
    time: bars.time.subarray(0, n),
    open: bars.open.subarray(0, n),
    high: bars.high.subarray(0, n),
    low: bars.low.subarray(0, n),
    close: bars.close.subarray(0, n),
    volume: bars.volume.subarray(0, n),
  };
}

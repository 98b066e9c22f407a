// Indicator series over one data set, memoised per period within a byte budget.
import type { Bars } from "./bars.ts";
import {
  atr,
  bandsInto,
  checkStdDev,
  donchian,
  ema,
  emaInto,
  macdLineInto,
  rollingDeviation,
  rsi,
  sma,
} from "./indicators/index.ts";

/** Bollinger bands as the cache hands them out. */
export interface Bands {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
}

/** MACD and signal lines as the cache hands them out. */
export interface Macd {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
}

export type Channel = ReturnType<typeof donchian>;

/** What the memoised series may hold by default: a few hundred series of 10,000 bars. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

// Each memoised series is keyed by kind and period, packed in one number (periods stay
// under 2^20): a sweep looks series up once per combination, and string keys showed in
// profiles.
const PERIOD_SPAN = 2 ** 20;
const SMA = 0;
const EMA = 1;
const RSI = 2;
const DONCHIAN = 3;
const DEVIATION = 4;
const ATR = 5;

interface Entry {
  readonly value: Float64Array | Channel;
  readonly bytes: number;
}

/**
 * Indicators of `bars`. Series of one period (SMA, EMA, RSI, ATR, Donchian, the rolling
 * deviation under Bollinger bands) are memoised, least recently used first out once they
 * pass `maxBytes`; the lines that depend on a whole combination (Bollinger bands, MACD)
 * are formed in scratch buffers that every call reuses, so memory stays bounded whatever
 * the grid. Strategies must take their series from here: the single backtest and the sweep
 * kernel then see bit-identical inputs, and an evicted series is recomputed bit for bit.
 *
 * What {@link bollinger} and {@link macd} return is valid until the next call to the same
 * method: read it, do not keep it.
 */
export class IndicatorCache {
  readonly bars: Bars;
  readonly maxBytes: number;
  readonly #series = new Map<number, Entry>();
  #bytes = 0;
  // Scratch lines, allocated on first use and overwritten by every call.
  #upper: Float64Array | undefined;
  #lower: Float64Array | undefined;
  #macdLine: Float64Array | undefined;
  #signalLine: Float64Array | undefined;
  // The (fast, slow) pair whose MACD line #macdLine holds: a grid enumerates the signal
  // span innermost, so consecutive combinations share the line.
  #macdFast = -1;
  #macdSlow = -1;

  constructor(bars: Bars, maxBytes = DEFAULT_CACHE_BYTES) {
    this.bars = bars;
    this.maxBytes = maxBytes;
  }

  #get<T extends Float64Array | Channel>(kind: number, period: number, make: () => T): T {
    const key = kind * PERIOD_SPAN + period;
    const hit = this.#series.get(key);
    if (hit !== undefined) {
      // Map keeps insertion order: moving the entry to the end makes the first one the
      // least recently used.
      this.#series.delete(key);
      this.#series.set(key, hit);
      return hit.value as T;
    }
    const value = make();
    const bytes = "byteLength" in value ? value.byteLength : value.upper.byteLength * 3;
    this.#series.set(key, { value, bytes });
    this.#bytes += bytes;
    // Never evicts the entry just made: a series larger than the budget is still handed out.
    for (const [oldKey, old] of this.#series) {
      if (this.#bytes <= this.maxBytes || oldKey === key) break;
      this.#series.delete(oldKey);
      this.#bytes -= old.bytes;
    }
    return value;
  }

  sma(period: number): Float64Array {
    return this.#get(SMA, period, () => sma(this.bars.close, period));
  }

  ema(period: number): Float64Array {
    return this.#get(EMA, period, () => ema(this.bars.close, period));
  }

  rsi(period: number): Float64Array {
    return this.#get(RSI, period, () => rsi(this.bars.close, period));
  }

  donchian(period: number): Channel {
    return this.#get(DONCHIAN, period, () => donchian(this.bars.high, this.bars.low, period));
  }

  atr(period: number): Float64Array {
    return this.#get(ATR, period, () =>
      atr(this.bars.high, this.bars.low, this.bars.close, period),
    );
  }

  /** Bollinger bands: the cached SMA and deviation of `period`, the bands in scratch lines. */
  bollinger(period: number, stdDev: number): Bands {
    checkStdDev(stdDev);
    const middle = this.sma(period);
    const deviation = this.#get(DEVIATION, period, () =>
      rollingDeviation(this.bars.close, period, middle),
    );
    const n = this.bars.length;
    this.#upper ??= new Float64Array(n);
    this.#lower ??= new Float64Array(n);
    bandsInto(middle, deviation, stdDev, this.#upper, this.#lower);
    return { middle, upper: this.#upper, lower: this.#lower };
  }

  /** MACD from the cached EMAs; the MACD and signal lines live in scratch lines. */
  macd(fast: number, slow: number, signal: number): Macd {
    const line = this.macdLine(fast, slow);
    this.#signalLine ??= new Float64Array(this.bars.length);
    emaInto(line, signal, this.#signalLine);
    return { macd: line, signal: this.#signalLine };
  }

  /** The MACD line alone, EMA(fast) - EMA(slow), in a scratch line (as {@link macd}'s). */
  macdLine(fast: number, slow: number): Float64Array {
    this.#macdLine ??= new Float64Array(this.bars.length);
    if (fast !== this.#macdFast || slow !== this.#macdSlow) {
      // Invalidate first: if an EMA throws on a bad period, the buffer is not trusted later.
      this.#macdFast = -1;
      macdLineInto(this.ema(fast), this.ema(slow), this.#macdLine);
      this.#macdFast = fast;
      this.#macdSlow = slow;
    }
    return this.#macdLine;
  }

  /** How many series are memoised: lets tests prove that windows are shared and bounded. */
  get size(): number {
    return this.#series.size;
  }

  /** Bytes held by memoised series (scratch lines excluded: at most four series). */
  get bytes(): number {
    return this.#bytes;
  }
}

/** Index of the first defined (non-NaN) value, or `series.length` if there is none. */
export function firstDefined(series: Float64Array): number {
  for (let i = 0; i < series.length; i++) if (!Number.isNaN(series[i])) return i;
  return series.length;
}

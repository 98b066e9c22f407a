// Memoised indicator series over one data set, so a sweep computes each window once.
import type { Bars } from "./bars.ts";
import { bollinger, donchian, ema, macd, rsi, sma } from "./indicators/index.ts";

/** Bollinger, MACD and Donchian outputs, each a full-length series. */
export type Bands = ReturnType<typeof bollinger>;
export type Macd = ReturnType<typeof macd>;
export type Channel = ReturnType<typeof donchian>;

/**
 * Indicators of `bars`, computed on first use and shared by every combination that asks
 * for the same window. Strategies must take their series from here: the single backtest
 * and the sweep kernel then see bit-identical inputs.
 */
export class IndicatorCache {
  readonly bars: Bars;
  readonly #memo = new Map<string, unknown>();

  constructor(bars: Bars) {
    this.bars = bars;
  }

  #get<T>(key: string, make: () => T): T {
    let value = this.#memo.get(key) as T | undefined;
    if (value === undefined) {
      value = make();
      this.#memo.set(key, value);
    }
    return value;
  }

  sma(period: number): Float64Array {
    return this.#get(`sma:${period}`, () => sma(this.bars.close, period));
  }

  ema(period: number): Float64Array {
    return this.#get(`ema:${period}`, () => ema(this.bars.close, period));
  }

  rsi(period: number): Float64Array {
    return this.#get(`rsi:${period}`, () => rsi(this.bars.close, period));
  }

  bollinger(period: number, stdDev: number): Bands {
    return this.#get(`bb:${period}:${stdDev}`, () => bollinger(this.bars.close, period, stdDev));
  }

  /** MACD reuses the cached EMAs' definition but keeps its own series per triple. */
  macd(fast: number, slow: number, signal: number): Macd {
    return this.#get(`macd:${fast}:${slow}:${signal}`, () =>
      macd(this.bars.close, fast, slow, signal),
    );
  }

  donchian(period: number): Channel {
    return this.#get(`dc:${period}`, () => donchian(this.bars.high, this.bars.low, period));
  }

  /** How many series are cached: lets tests prove that windows are shared. */
  get size(): number {
    return this.#memo.size;
  }
}

/** Index of the first defined (non-NaN) value, or `series.length` if there is none. */
export function firstDefined(series: Float64Array): number {
  for (let i = 0; i < series.length; i++) if (!Number.isNaN(series[i])) return i;
  return series.length;
}

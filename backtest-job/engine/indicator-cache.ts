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
  // One map per kind, keyed by a number where the kind has one parameter: a sweep looks
  // windows up once per combination, and building string keys showed in profiles.
  readonly #sma = new Map<number, Float64Array>();
  readonly #ema = new Map<number, Float64Array>();
  readonly #rsi = new Map<number, Float64Array>();
  readonly #donchian = new Map<number, Channel>();
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
    return memo(this.#sma, period, () => sma(this.bars.close, period));
  }

  ema(period: number): Float64Array {
    return memo(this.#ema, period, () => ema(this.bars.close, period));
  }

  rsi(period: number): Float64Array {
    return memo(this.#rsi, period, () => rsi(this.bars.close, period));
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
    return memo(this.#donchian, period, () => donchian(this.bars.high, this.bars.low, period));
  }

  /** How many series are cached: lets tests prove that windows are shared. */
  get size(): number {
    return this.#sma.size + this.#ema.size + this.#rsi.size + this.#donchian.size + this.#memo.size;
  }
}

function memo<T>(map: Map<number, T>, key: number, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Index of the first defined (non-NaN) value, or `series.length` if there is none. */
export function firstDefined(series: Float64Array): number {
  for (let i = 0; i < series.length; i++) if (!Number.isNaN(series[i])) return i;
  return series.length;
}

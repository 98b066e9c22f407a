// Seeded synthetic daily OHLCV bars (geometric Brownian motion) for tests and benchmarks.
import { allocateBars, type Bars } from "./bars.ts";
import { InvalidParams } from "./errors.ts";
import { normalSampler } from "./random.ts";

/** Options for {@link syntheticBars}; rates are annualised. */
export interface SyntheticOptions {
  /** Number of bars, an integer from 1 to {@link MAX_SYNTHETIC_BARS}. */
  readonly bars: number;
  /** Any safe integer; equal seeds give identical bars. */
  readonly seed: number;
  /** First open price, default 100; between {@link MIN_PRICE} and {@link MAX_PRICE}. */
  readonly startPrice?: number;
  /** Annualised drift μ, default 0.05. */
  readonly drift?: number;
  /** Annualised volatility σ, default 0.25, from 0 to 10. */
  readonly volatility?: number;
  /** Epoch ms of the first bar, default 2000-01-03T00:00:00Z (a Monday); weekends roll to Monday. */
  readonly startTime?: number;
}

/** The most bars one call may produce: 10M bars are 480 MB of Float64Array columns. */
export const MAX_SYNTHETIC_BARS = 10_000_000;
/** Lowest close the path may reach; it reflects off this floor. */
export const MIN_PRICE = 1e-6;
/** Highest close the path may reach; it reflects off this ceiling. */
export const MAX_PRICE = 1e12;

const STEPS_PER_YEAR = 252;
const MS_PER_DAY = 86_400_000;
const DEFAULT_START_TIME = Date.UTC(2000, 0, 3);
const MAX_DATE_MS = 8.64e15;
// Overnight gaps and intraday wicks scale with the daily volatility, so a calm series
// has small gaps and small wicks. The factors are eyeballed to look like equity dailies.
const GAP_FRACTION = 0.1;
const WICK_FRACTION = 0.5;
const BASE_VOLUME = 1_000_000;
const VOLUME_SPREAD = 0.3;

/**
 * Seeded geometric Brownian motion on business days (Saturday and Sunday skipped):
 * `close[i] = close[i-1] · exp((μ − σ²/2)·dt + σ·√dt·Z)` with dt = 1/252.
 * Each open is the previous close times a small random gap, high and low are wicks
 * beyond max/min(open, close), and volume is a positive integer.
 *
 * The log close reflects off [{@link MIN_PRICE}, {@link MAX_PRICE}]: an unbounded GBM with
 * the default drift overflows Float64 after about 37,000 simulated years (~9.5M bars).
 *
 * @throws {InvalidParams} when an option is out of range.
 * @example
 * const bars = syntheticBars({ bars: 2520, seed: 1 }); // ten years of dailies
 */
export function syntheticBars(options: SyntheticOptions): Bars {
  const {
    bars: length,
    seed,
    startPrice = 100,
    drift = 0.05,
    volatility = 0.25,
    startTime = DEFAULT_START_TIME,
  } = options;
  validate(length, seed, startPrice, drift, volatility, startTime);

  const z = normalSampler(seed);
  const dt = 1 / STEPS_PER_YEAR;
  const stepSigma = volatility * Math.sqrt(dt);
  const stepMean = (drift - (volatility * volatility) / 2) * dt;
  const gapSigma = GAP_FRACTION * stepSigma;
  const wickSigma = WICK_FRACTION * stepSigma;
  const logMin = Math.log(MIN_PRICE);
  const logMax = Math.log(MAX_PRICE);

  const out = allocateBars(length);
  const { time, open, high, low, close, volume } = out;
  let t = nextBusinessDay(startTime);
  let previousClose = startPrice;

  for (let i = 0; i < length; i++) {
    // The first bar opens at startPrice exactly; later ones gap from the previous close.
    const o = i === 0 ? startPrice : previousClose * Math.exp(gapSigma * z());
    const step = stepMean + stepSigma * z();
    let c = previousClose * Math.exp(step);
    // Only a path that left the band (or overflowed) pays for the trip through log space.
    if (!(c >= MIN_PRICE && c <= MAX_PRICE)) {
      c = Math.exp(reflect(Math.log(previousClose) + step, logMin, logMax));
    }
    time[i] = t;
    open[i] = o;
    close[i] = c;
    high[i] = Math.max(o, c) * Math.exp(wickSigma * Math.abs(z()));
    low[i] = Math.min(o, c) * Math.exp(-wickSigma * Math.abs(z()));
    volume[i] = Math.max(1, Math.round(BASE_VOLUME * Math.exp(VOLUME_SPREAD * z())));
    previousClose = c;
    t = nextBusinessDay(t + MS_PER_DAY);
  }
  return out;
}

function validate(
  length: number,
  seed: number,
  startPrice: number,
  drift: number,
  volatility: number,
  startTime: number,
): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_SYNTHETIC_BARS) {
    throw new InvalidParams(
      `bars must be an integer from 1 to ${MAX_SYNTHETIC_BARS}, got ${String(length)}`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidParams(`seed must be a safe integer, got ${String(seed)}`);
  }
  if (!(startPrice >= MIN_PRICE && startPrice <= MAX_PRICE)) {
    throw new InvalidParams(
      `startPrice must be from ${MIN_PRICE} to ${MAX_PRICE}, got ${String(startPrice)}`,
    );
  }
  if (!Number.isFinite(drift)) {
    throw new InvalidParams(`drift must be a finite number, got ${String(drift)}`);
  }
  if (!(volatility >= 0 && volatility <= 10)) {
    throw new InvalidParams(`volatility must be from 0 to 10, got ${String(volatility)}`);
  }
  // Five business days take at most seven calendar days, plus two for a weekend start.
  const lastTime = startTime + Math.ceil((length * 7) / 5 + 2) * MS_PER_DAY;
  if (!Number.isSafeInteger(startTime) || startTime < -MAX_DATE_MS || lastTime > MAX_DATE_MS) {
    throw new InvalidParams(
      `startTime must be integer epoch ms with every bar inside the Date range, got ${String(startTime)}`,
    );
  }
}

/** `t` itself on Monday to Friday, else the following Monday at the same time of day. */
function nextBusinessDay(t: number): number {
  const weekday = (((Math.floor(t / MS_PER_DAY) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  if (weekday === 6) return t + 2 * MS_PER_DAY;
  if (weekday === 0) return t + MS_PER_DAY;
  return t;
}

/** Folds `x` back into [lo, hi] as a reflecting barrier does, however far it overshoots. */
function reflect(x: number, lo: number, hi: number): number {
  if (x >= lo && x <= hi) return x;
  const width = hi - lo;
  let m = (x - lo) % (2 * width);
  if (m < 0) m += 2 * width;
  return lo + (m > width ? 2 * width - m : m);
}

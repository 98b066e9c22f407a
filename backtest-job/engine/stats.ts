// The one place where a backtest's statistics are computed (backtesting.py `compute_stats`).
import type { Bars } from "./bars.ts";
import type { Calendar } from "./calendar.ts";
import type { Trade } from "./trade.ts";

const DAY_MS = 86_400_000;

/**
 * Every statistic of one backtest. Percentages are x100; ratios are plain; `NaN` means
 * "not defined" (for example a profit factor without losing trades), as in backtesting.py.
 */
export interface Stats {
  start: string;
  end: string;
  durationDays: number;
  exposureTimePct: number;
  equityFinal: number;
  equityPeak: number;
  commissions: number;
  returnPct: number;
  buyHoldReturnPct: number;
  returnAnnPct: number;
  volatilityAnnPct: number;
  cagrPct: number;
  sharpeRatio: number;
  sortinoRatio: number;
  calmarRatio: number;
  maxDrawdownPct: number;
  avgDrawdownPct: number;
  maxDrawdownDurationDays: number;
  avgDrawdownDurationDays: number;
  trades: number;
  winRatePct: number;
  bestTradePct: number;
  worstTradePct: number;
  avgTradePct: number;
  maxTradeDurationDays: number;
  avgTradeDurationDays: number;
  profitFactor: number;
  expectancyPct: number;
  sqn: number;
  kellyCriterion: number;
}

/** The statistic names, in report order; docs/statistics.md documents each one. */
export const STAT_NAMES = [
  "start",
  "end",
  "durationDays",
  "exposureTimePct",
  "equityFinal",
  "equityPeak",
  "commissions",
  "returnPct",
  "buyHoldReturnPct",
  "returnAnnPct",
  "volatilityAnnPct",
  "cagrPct",
  "sharpeRatio",
  "sortinoRatio",
  "calmarRatio",
  "maxDrawdownPct",
  "avgDrawdownPct",
  "maxDrawdownDurationDays",
  "avgDrawdownDurationDays",
  "trades",
  "winRatePct",
  "bestTradePct",
  "worstTradePct",
  "avgTradePct",
  "maxTradeDurationDays",
  "avgTradeDurationDays",
  "profitFactor",
  "expectancyPct",
  "sqn",
  "kellyCriterion",
] as const satisfies readonly (keyof Stats)[];

/** What {@link computeStats} reads. */
export interface StatsInput {
  readonly bars: Bars;
  readonly calendar: Calendar;
  readonly equity: Float64Array;
  /** Counted (closed) trades only. */
  readonly trades: readonly Trade[];
  /** First bar the strategy saw; buy & hold is measured from the bar before it. */
  readonly start: number;
}

/** Mean of the values that are not NaN (pandas `skipna`), NaN when there are none. */
function mean(xs: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i])) continue;
    s += xs[i];
    c++;
  }
  return c ? s / c : Number.NaN;
}

/** Sample variance (ddof 1) of the values that are not NaN; NaN below two values, as pandas. */
function sampleVariance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i])) continue;
    s += (xs[i] - m) ** 2;
    c++;
  }
  return c < 2 ? Number.NaN : s / (c - 1);
}

/**
 * Geometric mean return: `exp(mean(log(1 + r))) - 1` over the returns that are not NaN, and 0
 * if any `1 + r <= 0`. backtesting.py 0.6.6 leaves the first, missing period return out of
 * the count (the development oracle pins this).
 */
export function geometricMean(returns: ArrayLike<number>): number {
  let logSum = 0;
  let count = 0;
  for (let i = 0; i < returns.length; i++) {
    const x = 1 + returns[i];
    if (Number.isNaN(x)) continue;
    if (x <= 0) return 0;
    logSum += Math.log(x);
    count++;
  }
  return Math.exp(logSum / (count || Number.NaN)) - 1;
}

/** `x / y`, or NaN where pandas writes `x / (y or np.nan)`. */
function ratioOrNaN(x: number, y: number): number {
  return y === 0 || Number.isNaN(y) ? Number.NaN : x / y;
}

function ceilTo(ms: number, resolutionMs: number): number {
  return Number.isNaN(ms) ? ms : Math.ceil(ms / resolutionMs - 1e-9) * resolutionMs;
}

/** Period returns of `equity`: the last equity of each calendar period, then pct_change. */
export function periodReturns(equity: Float64Array, calendar: Calendar): Float64Array {
  const ends: number[] = [];
  for (let i = 0; i < equity.length; i++) if (calendar.periodEnd[i]) ends.push(equity[i]);
  const r = new Float64Array(Math.max(0, ends.length - 1));
  for (let k = 1; k < ends.length; k++) r[k - 1] = ends[k] / ends[k - 1] - 1;
  return r;
}

interface Drawdowns {
  maxDrawdown: number;
  avgPeak: number;
  maxDurationMs: number;
  avgDurationMs: number;
}

/** Drawdown depth and episodes (backtesting.py `compute_drawdown_duration_peaks`). */
function drawdowns(equity: Float64Array, time: Float64Array): Drawdowns {
  const n = equity.length;
  const dd = new Float64Array(n);
  let peak = Number.NEGATIVE_INFINITY;
  let maxDrawdown = 0;
  for (let i = 0; i < n; i++) {
    if (equity[i] > peak) peak = equity[i];
    dd[i] = 1 - equity[i] / peak;
    if (dd[i] > maxDrawdown) maxDrawdown = dd[i];
  }
  // Episodes run between consecutive bars at a peak (dd == 0), the last bar closing the last.
  let prev = -1;
  let count = 0;
  let peakSum = 0;
  let durationSum = 0;
  let maxDurationMs = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (dd[i] !== 0 && i !== n - 1) continue;
    if (prev >= 0 && i > prev + 1) {
      let depth = 0;
      for (let j = prev; j <= i; j++) if (dd[j] > depth) depth = dd[j];
      const duration = time[i] - time[prev];
      count++;
      peakSum += depth;
      durationSum += duration;
      if (!(duration <= maxDurationMs)) maxDurationMs = duration;
    }
    prev = i;
  }
  return {
    maxDrawdown,
    avgPeak: count ? peakSum / count : Number.NaN,
    maxDurationMs,
    avgDurationMs: count ? durationSum / count : Number.NaN,
  };
}

/** Computes every {@link Stats} figure from an equity curve and its counted trades. */
export function computeStats(input: StatsInput): Stats {
  const { bars, calendar, equity, trades, start } = input;
  const n = bars.length;
  const { time, close } = bars;
  const D = calendar.annualPeriods;

  const covered = new Uint8Array(n);
  for (const t of trades) covered.fill(1, t.entryBar, t.exitBar + 1);
  const exposure = mean(covered);

  const equityFinal = equity[n - 1];
  let equityPeak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (equity[i] > equityPeak) equityPeak = equity[i];

  const r = periodReturns(equity, calendar);
  const g = geometricMean(r);
  const returnAnn = (1 + g) ** D - 1;
  const volatilityAnn = Math.sqrt((sampleVariance(r) + (1 + g) ** 2) ** D - (1 + g) ** (2 * D));
  const downside = r.map((x) => (x < 0 ? x * x : Number.isNaN(x) ? x : 0));
  const downsideDev = Math.sqrt(mean(downside)) * Math.sqrt(D);

  const dd = drawdowns(equity, time);
  const calendarDays = (time[n - 1] - time[0]) / DAY_MS;

  // One pass over the trades into typed arrays and running extremes: a trade list may
  // hold hundreds of thousands of entries, so nothing here spreads it into arguments
  // (Math.max(...xs) overflows the call stack near 150,000) or recurses over it.
  const m = trades.length;
  const pnl = new Float64Array(m);
  const rets = new Float64Array(m);
  const durations = new Float64Array(m);
  let winCount = 0;
  let winSum = 0;
  let lossCount = 0;
  let lossMoney = 0;
  let gains = 0;
  let lossSum = 0;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.POSITIVE_INFINITY;
  let longest = Number.NEGATIVE_INFINITY;
  let commissions = 0;
  for (let k = 0; k < m; k++) {
    const t = trades[k];
    const x = t.returnPct;
    pnl[k] = t.pnl;
    rets[k] = x;
    durations[k] = t.exitTime - t.entryTime;
    if (t.pnl > 0) {
      winCount++;
      winSum += t.pnl;
    } else if (t.pnl < 0) {
      lossCount++;
      lossMoney += t.pnl;
    }
    if (x > 0) gains += x;
    else if (x < 0) lossSum += x;
    // NaN propagates as in Math.max/min (pandas would skip it; a trade return is never NaN).
    best = x > best || Number.isNaN(x) ? x : best;
    worst = x < worst || Number.isNaN(x) ? x : worst;
    if (durations[k] > longest) longest = durations[k];
    commissions += t.entryCommission + t.exitCommission;
  }
  const winRate = m ? winCount / m : Number.NaN;
  const meanWin = winCount ? winSum / winCount : Number.NaN;
  const meanLoss = lossCount ? lossMoney / lossCount : Number.NaN;
  const res = calendar.resolutionMs;
  const days = (ms: number) => ceilTo(ms, res) / DAY_MS;

  return {
    start: new Date(time[0]).toISOString(),
    end: new Date(time[n - 1]).toISOString(),
    durationDays: calendarDays,
    exposureTimePct: exposure * 100,
    equityFinal,
    equityPeak,
    commissions,
    returnPct: (equityFinal / equity[0] - 1) * 100,
    buyHoldReturnPct: (close[n - 1] / close[Math.max(0, start - 1)] - 1) * 100,
    returnAnnPct: returnAnn * 100,
    volatilityAnnPct: volatilityAnn * 100,
    cagrPct: ((equityFinal / equity[0]) ** (365.25 / calendarDays) - 1) * 100,
    sharpeRatio: ratioOrNaN(returnAnn, volatilityAnn),
    sortinoRatio: returnAnn / downsideDev,
    calmarRatio: ratioOrNaN(returnAnn, dd.maxDrawdown),
    maxDrawdownPct: dd.maxDrawdown ? -dd.maxDrawdown * 100 : 0,
    avgDrawdownPct: -dd.avgPeak * 100,
    maxDrawdownDurationDays: days(dd.maxDurationMs),
    avgDrawdownDurationDays: days(dd.avgDurationMs),
    trades: m,
    winRatePct: winRate * 100,
    bestTradePct: m ? best * 100 : Number.NaN,
    worstTradePct: m ? worst * 100 : Number.NaN,
    avgTradePct: geometricMean(rets) * 100,
    maxTradeDurationDays: m ? days(longest) : Number.NaN,
    avgTradeDurationDays: days(mean(durations)),
    profitFactor: ratioOrNaN(gains, Math.abs(lossSum)),
    expectancyPct: mean(rets) * 100,
    sqn: ratioOrNaN(Math.sqrt(m) * mean(pnl), Math.sqrt(sampleVariance(pnl))),
    kellyCriterion: winRate - (1 - winRate) / (meanWin / -meanLoss),
  };
}

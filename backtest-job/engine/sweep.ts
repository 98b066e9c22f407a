// A parameter sweep on one thread: run the kernel over a plan's combinations, keep the best.
import { type BacktestContext, type BacktestResult, runBacktest } from "./backtest.ts";
import type { SweepPlan } from "./grid.ts";
import { comboAt } from "./grid.ts";
import type { BacktestOptions } from "./options.ts";
import { simulate } from "./simulate.ts";
import { computeStats } from "./stats.ts";
import type { Params } from "./strategy.ts";
import { compareRows, SUMMARY_STATS, type SummaryRow, type SummaryStat } from "./summary.ts";
import { kernelSummary } from "./sweep-kernel.ts";

/** Receives progress as combinations finish; called at most every `progressEvery` rows. */
export type ProgressFn = (done: number, total: number) => void;

/**
 * Evaluates the combinations `indices` of `plan` and returns one summary row each, in the
 * order given. Indicator windows come from the context's cache, so each is computed once.
 */
export function sweepRows(
  ctx: BacktestContext,
  plan: SweepPlan,
  indices: ArrayLike<number>,
  options: BacktestOptions,
  onProgress?: ProgressFn,
  progressEvery = 256,
): SummaryRow[] {
  const { bars, calendar, indicators } = ctx;
  const signals = new Uint8Array(bars.length);
  const rows: SummaryRow[] = new Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const params = comboAt(plan, indices[k]);
    const start = plan.strategy.signals(indicators, params, signals) + 1;
    const summary =
      kernelSummary(bars, calendar, signals, start, options) ??
      summaryOf(computeStats({ ...ctx, ...simulate(bars, signals, start, options) }));
    rows[k] = { params, ...summary };
    if (onProgress && (k + 1) % progressEvery === 0) onProgress(k + 1, indices.length);
  }
  onProgress?.(indices.length, indices.length);
  return rows;
}

function summaryOf(stats: Record<SummaryStat, number>): Record<SummaryStat, number> {
  const out = {} as Record<SummaryStat, number>;
  for (const name of SUMMARY_STATS) out[name] = stats[name];
  return out;
}

/** The `top` best rows by `sort`, best first; ties keep the order of `rows`. */
export function bestRows(
  rows: readonly SummaryRow[],
  sort: SummaryStat,
  top: number,
  order: "asc" | "desc" = "desc",
): SummaryRow[] {
  return [...rows].sort(compareRows(sort, order)).slice(0, top);
}

/** A full re-run of a top combination: every statistic, the trades and a short equity curve. */
export interface TopResult {
  readonly params: Params;
  readonly stats: BacktestResult["stats"];
  readonly trades: BacktestResult["trades"];
  /** At most `points` [time ms, equity] pairs, evenly spaced, always with the first and last bar. */
  readonly equityCurve: [number, number][];
}

/** Picks at most `points` evenly spaced bars of an equity curve, keeping both ends. */
export function downsample(
  time: Float64Array,
  equity: Float64Array,
  points = 500,
): [number, number][] {
  const n = equity.length;
  if (n <= points) return Array.from({ length: n }, (_, i) => [time[i], equity[i]]);
  const out: [number, number][] = [];
  for (let k = 0; k < points; k++) {
    const i = Math.round((k * (n - 1)) / (points - 1));
    out.push([time[i], equity[i]]);
  }
  return out;
}

/** Re-runs each of `rows` as a full backtest for its statistics, trades and equity curve. */
export function rerunTop(
  ctx: BacktestContext,
  plan: SweepPlan,
  rows: readonly SummaryRow[],
  options: BacktestOptions,
  points = 500,
): TopResult[] {
  return rows.map((row) => {
    const r = runBacktest(ctx, plan.strategy, row.params, options);
    return {
      params: r.params,
      stats: r.stats,
      trades: r.trades,
      equityCurve: downsample(ctx.bars.time, r.equity, points),
    };
  });
}

// A parameter sweep on one thread: run the kernel over a plan's combinations, keep the best.
import { type BacktestContext, type BacktestResult, runBacktest } from "./backtest.ts";
import { comboAt, comboInto, type SweepPlan } from "./grid.ts";
import type { BacktestOptions } from "./options.ts";
import { ALL_IN } from "./order-rules.ts";
import { signalBuffer } from "./signals.ts";
import { simulate } from "./simulate.ts";
import { computeStats } from "./stats.ts";
import type { Params } from "./strategy.ts";
import {
  SUMMARY_STATS,
  SUMMARY_WIDTH,
  type SummaryRow,
  type SummaryTable,
  tableRow,
} from "./summary.ts";
import { kernelSetup, kernelSummary } from "./sweep-kernel.ts";

/** Receives progress as combinations finish. */
export type ProgressFn = (done: number, total: number) => void;

/**
 * Evaluates the combinations `indices` of `plan` into a {@link SummaryTable}. Indicator
 * windows come from the context's cache, so each is computed once; nothing is allocated
 * per combination except on the rare ruined-account path.
 */
export function sweepTable(
  ctx: BacktestContext,
  plan: SweepPlan,
  indices: Int32Array,
  options: BacktestOptions,
  onProgress?: ProgressFn,
  progressEvery = 512,
): SummaryTable {
  const { bars, calendar, indicators } = ctx;
  const n = bars.length;
  const signals = signalBuffer(n);
  const setup = kernelSetup(bars, calendar, options);
  const stats = new Float64Array(indices.length * SUMMARY_WIDTH);
  const params: Record<string, number> = {};
  for (let k = 0; k < indices.length; k++) {
    comboInto(plan, indices[k], params);
    const start = Math.min(plan.strategy.signals(indicators, params, signals) + 1, n);
    const rules = plan.strategy.orders?.(indicators, params) ?? ALL_IN;
    if (!kernelSummary(setup, signals, start, stats, k * SUMMARY_WIDTH, rules)) {
      const full = computeStats({ ...ctx, ...simulate(bars, signals, start, options, rules) });
      for (let j = 0; j < SUMMARY_WIDTH; j++) stats[k * SUMMARY_WIDTH + j] = full[SUMMARY_STATS[j]];
    }
    if (onProgress && (k + 1) % progressEvery === 0) onProgress(k + 1, indices.length);
  }
  onProgress?.(indices.length, indices.length);
  return { indices, stats };
}

/** The rows of a table with their params, in table order. */
export function tableRows(plan: SweepPlan, table: SummaryTable): SummaryRow[] {
  return Array.from(table.indices, (index, k) => tableRow(table, k, comboAt(plan, index)));
}

/** {@link sweepTable} as row objects, in the order of `indices`. */
export function sweepRows(
  ctx: BacktestContext,
  plan: SweepPlan,
  indices: ArrayLike<number>,
  options: BacktestOptions,
  onProgress?: ProgressFn,
): SummaryRow[] {
  return tableRows(plan, sweepTable(ctx, plan, Int32Array.from(indices), options, onProgress));
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

/** Re-runs each of `params` as a full backtest for its statistics, trades and equity curve. */
export function rerunTop(
  ctx: BacktestContext,
  plan: SweepPlan,
  params: readonly Params[],
  options: BacktestOptions,
  points = 500,
): TopResult[] {
  return params.map((p) => {
    const r = runBacktest(ctx, plan.strategy, p, options);
    return {
      params: r.params,
      stats: r.stats,
      trades: r.trades,
      equityCurve: downsample(ctx.bars.time, r.equity, points),
    };
  });
}

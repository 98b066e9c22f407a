// Runs a sweep on worker_threads: workers pull chunks of combinations from a shared
// counter and write summary rows straight into shared memory, so nothing is copied back.
import { availableParallelism } from "node:os";
import { type BacktestContext, backtestContext, parseOptions } from "./engine/backtest.ts";
import type { Bars } from "./engine/bars.ts";
import { comboAt, planSweep, type Shard, type SweepPlan, shardIndices } from "./engine/grid.ts";
import type { BacktestOptions, BacktestOptionsInput } from "./engine/options.ts";
import { resolveStrategy } from "./engine/strategies/index.ts";
import {
  SUMMARY_WIDTH,
  type SummaryRow,
  type SummaryStat,
  type SummaryTable,
  tableRow,
  topPositions,
} from "./engine/summary.ts";
import { rerunTop, sweepTable, type TopResult } from "./engine/sweep.ts";
import { type SharedBars, shareBars } from "./shared-bars.ts";
import { WorkerPool } from "./worker-pool.ts";

/** What a sweep needs. */
export interface SweepRequest {
  readonly bars: Bars;
  /** A built-in's name or a strategy definition (JSON), as a request carries it. */
  readonly strategy: string | object;
  readonly grid: unknown;
  readonly options?: BacktestOptionsInput;
  /** Only this shard of the enumerated combinations (default: all). */
  readonly shard?: Shard;
  /** How many best rows to return and re-run in full (default 10). */
  readonly top?: number;
  /** Statistic to rank by (default sharpeRatio), best first. */
  readonly sort?: SummaryStat;
  readonly order?: "asc" | "desc";
  /** Threads to use, the calling one included; 1 runs on the calling thread only (default: available cores). */
  readonly workers?: number;
  /** Called as combinations finish, with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a sweep returns. */
export interface SweepOutcome {
  /** Valid combinations of the whole grid. */
  readonly combinations: number;
  /** Combinations evaluated here (this shard's). */
  readonly evaluated: number;
  readonly elapsedMs: number;
  readonly barEvaluationsPerSecond: number;
  /** The `top` best summary rows, best first. */
  readonly results: SummaryRow[];
  /** The combination index (in the whole sweep's order) of each of `results`. */
  readonly comboIndices: readonly number[];
  /** The same rows re-run in full: every statistic, trades, downsampled equity curve. */
  readonly top: TopResult[];
  /** Every evaluated row, flat; callers that store all rows read them from here. */
  readonly table: SummaryTable;
  readonly plan: SweepPlan;
}

/** Combinations a worker claims at a time: small enough to balance, large enough to be cheap. */
const CHUNK = 256;
/** Below this many combinations, starting workers costs more than it saves. */
const MIN_PARALLEL = 2_000;

/** The message a worker receives at start. */
export interface WorkerInit {
  readonly bars: SharedBars;
  /** The request's strategy as it came: each worker compiles a definition for itself. */
  readonly strategy: string | object;
  readonly grid: unknown;
  readonly options: BacktestOptions;
  /** Combination indices to evaluate (shared Int32Array). */
  readonly indices: SharedArrayBuffer;
  /** Output rows (shared Float64Array, SUMMARY_WIDTH per index). */
  readonly stats: SharedArrayBuffer;
  /** [next position to claim, positions done] (shared Int32Array). */
  readonly counters: SharedArrayBuffer;
  readonly chunk: number;
}

let pool: WorkerPool | undefined;

/** The process's worker pool with `size` workers, kept warm between sweeps. */
function workerPool(size: number): WorkerPool {
  if (pool?.size !== size) {
    void pool?.close();
    pool = new WorkerPool(size);
  }
  return pool;
}

/**
 * Claims chunks from the shared counter until none are left, writing rows into `stats`.
 * Workers and the calling thread run this same loop, so the caller computes while the
 * workers boot and a slow thread never holds back the others.
 */
export function drainChunks(
  ctx: BacktestContext,
  plan: SweepPlan,
  options: BacktestOptions,
  indices: Int32Array,
  stats: Float64Array,
  counters: Int32Array,
  chunk: number,
  onChunk?: () => void,
): void {
  for (;;) {
    const from = Atomics.add(counters, 0, chunk);
    if (from >= indices.length) return;
    const to = Math.min(from + chunk, indices.length);
    const part = sweepTable(ctx, plan, indices.subarray(from, to), options);
    stats.set(part.stats, from * SUMMARY_WIDTH);
    Atomics.add(counters, 1, to - from);
    onChunk?.();
  }
}

async function parallelTable(
  ctx: BacktestContext,
  plan: SweepPlan,
  request: SweepRequest,
  options: BacktestOptions,
  indices: Int32Array,
  threads: number,
): Promise<SummaryTable> {
  const sharedIndices = new SharedArrayBuffer(indices.byteLength);
  const shardIndicesView = new Int32Array(sharedIndices);
  shardIndicesView.set(indices);
  const stats = new SharedArrayBuffer(indices.length * SUMMARY_WIDTH * 8);
  const counters = new SharedArrayBuffer(8);
  const progress = new Int32Array(counters);
  const init: WorkerInit = {
    bars: shareBars(ctx.bars),
    strategy: request.strategy,
    grid: request.grid,
    options,
    indices: sharedIndices,
    stats,
    counters,
    chunk: CHUNK,
  };
  const workers = workerPool(threads - 1).runAll(init);
  const report = () => request.onProgress?.(Atomics.load(progress, 1), indices.length);
  // The calling thread reads the plain copy of the indices: handing the kernel's callers a
  // shared-memory array would make V8 recompile them for a second array kind.
  drainChunks(ctx, plan, options, indices, new Float64Array(stats), progress, CHUNK, report);
  const timer = request.onProgress ? setInterval(report, 100) : undefined;
  try {
    await workers;
  } finally {
    clearInterval(timer);
  }
  report();
  return { indices: shardIndicesView, stats: new Float64Array(stats) };
}

/**
 * Runs a sweep: validates the strategy, grid and options (throwing InvalidParams), picks
 * this shard's combinations, evaluates them on `workers` threads, and re-runs the best
 * `top` in full.
 */
export async function runSweep(request: SweepRequest): Promise<SweepOutcome> {
  const started = performance.now();
  const strategy = resolveStrategy(request.strategy);
  const plan = planSweep(strategy, request.grid);
  const options = parseOptions(request.options);
  const ctx: BacktestContext = backtestContext(request.bars);
  const indices = shardIndices(plan.count, request.shard ?? { index: 0, count: 1 });
  const workers = Math.max(1, Math.min(request.workers ?? availableParallelism(), 64));
  const table =
    workers > 1 && indices.length >= MIN_PARALLEL
      ? await parallelTable(ctx, plan, request, options, indices, workers)
      : sweepTable(ctx, plan, indices, options, request.onProgress);
  const best = topPositions(table, request.sort ?? "sharpeRatio", request.top ?? 10, request.order);
  const comboIndices = best.map((k) => table.indices[k]);
  const results = best.map((k, j) => tableRow(table, k, comboAt(plan, comboIndices[j])));
  const top = rerunTop(
    ctx,
    plan,
    results.map((r) => r.params),
    options,
  );
  const elapsedMs = performance.now() - started;
  return {
    combinations: plan.count,
    evaluated: indices.length,
    elapsedMs,
    barEvaluationsPerSecond: (indices.length * request.bars.length) / (elapsedMs / 1000),
    results,
    comboIndices,
    top,
    table,
    plan,
  };
}

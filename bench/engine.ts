// Engine benchmark: sweep throughput against a bare reference loop, and worker speed-up.
// Usage: npm run -s bench:engine -- [--json] [--reps N]
import { parseArgs } from "node:util";
import { backtestContext, parseOptions } from "../backtest-job/engine/backtest.ts";
import { planSweep, shardIndices } from "../backtest-job/engine/grid.ts";
import { getStrategy } from "../backtest-job/engine/strategies/index.ts";
import { sweepTable } from "../backtest-job/engine/sweep.ts";
import { syntheticBars } from "../backtest-job/engine/synthetic.ts";
import { runSweep } from "../backtest-job/sweep-pool.ts";
import { referenceFinalEquity } from "./reference-loop.ts";

const { values } = parseArgs({
  options: { json: { type: "boolean", default: false }, reps: { type: "string", default: "5" } },
});
const reps = Math.max(1, Number(values.reps));

const BARS = 2_500;
const SWEEP = { fast: { from: 2, to: 50, step: 1 }, slow: { from: 10, to: 200, step: 1 } };
// The worker figure needs a sweep of at least 50,000 combinations: 64,223 here.
const LARGE_SWEEP = { fast: { from: 2, to: 100, step: 1 }, slow: { from: 10, to: 700, step: 1 } };

const bars = syntheticBars({ bars: BARS, seed: 42 });
const ctx = backtestContext(bars);
const strategy = getStrategy("sma-crossover");
const plan = planSweep(strategy, SWEEP);
const indices = shardIndices(plan.count, { index: 0, count: 1 });
const options = parseOptions({});
const evaluations = plan.count * BARS;

function timeEngine(): number {
  const t = performance.now();
  sweepTable(ctx, plan, indices, options);
  return performance.now() - t;
}

let sink = 0;
function timeReference(): number {
  const t = performance.now();
  for (let k = 0; k < plan.count; k++) {
    const fast = ctx.indicators.sma(plan.values[2 * k]);
    const slow = ctx.indicators.sma(plan.values[2 * k + 1]);
    sink += referenceFinalEquity(bars.open, bars.close, fast, slow, plan.values[2 * k + 1], 10_000);
  }
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Warm-up: fills the indicator cache (the reference gets its SMAs in advance too) and JITs both.
timeEngine();
timeReference();
const engineMs: number[] = [];
const referenceMs: number[] = [];
for (let r = 0; r < reps; r++) {
  engineMs.push(timeEngine());
  referenceMs.push(timeReference());
}
const engineRate = evaluations / (median(engineMs) / 1000);
const referenceRate = evaluations / (median(referenceMs) / 1000);

async function timeSweep(workers: number): Promise<{ ms: number; evaluations: number }> {
  const t = performance.now();
  const out = await runSweep({
    bars,
    strategy: "sma-crossover",
    grid: LARGE_SWEEP,
    workers,
    top: 10,
  });
  return { ms: performance.now() - t, evaluations: out.evaluated * BARS };
}

const WORKERS = 2;
// Warm-up: starts the pool's workers, which then stay warm, as in a long-running process.
// The first parallel sweep, cold workers included, is reported too.
await timeSweep(1);
const cold = await timeSweep(WORKERS);
await timeSweep(1);
await timeSweep(WORKERS);
const single: number[] = [];
const parallel: number[] = [];
let largeEvaluations = 0;
for (let r = 0; r < reps; r++) {
  const one = await timeSweep(1);
  const many = await timeSweep(WORKERS);
  single.push(one.ms);
  parallel.push(many.ms);
  largeEvaluations = one.evaluations;
}

const result = {
  barEvaluationsPerSecond: Math.round(engineRate),
  referenceBarEvaluationsPerSecond: Math.round(referenceRate),
  ratio: Number((engineRate / referenceRate).toFixed(3)),
  workers: {
    n: WORKERS,
    barEvaluationsPerSecond: Math.round(largeEvaluations / (median(parallel) / 1000)),
    speedup: Number((median(single) / median(parallel)).toFixed(3)),
  },
  detail: {
    bars: BARS,
    combinations: plan.count,
    engineMsMedian: Number(median(engineMs).toFixed(1)),
    referenceMsMedian: Number(median(referenceMs).toFixed(1)),
    largeSweepCombinations: largeEvaluations / BARS,
    largeSweepSingleMsMedian: Number(median(single).toFixed(1)),
    largeSweepParallelMsMedian: Number(median(parallel).toFixed(1)),
    largeSweepParallelColdMs: Number(cold.ms.toFixed(1)),
    reps,
    checksum: sink > 0,
  },
};

if (values.json) console.log(JSON.stringify(result));
else {
  const m = (x: number) => `${(x / 1e6).toFixed(1)} M/s`;
  console.log(`SMA sweep, ${plan.count} combinations x ${BARS} bars (median of ${reps}):`);
  console.log(`  engine, every summary statistic  ${m(result.barEvaluationsPerSecond)}`);
  console.log(`  bare reference loop              ${m(result.referenceBarEvaluationsPerSecond)}`);
  console.log(`  ratio (same run)                 ${result.ratio}`);
  console.log(`${result.detail.largeSweepCombinations} combinations on ${WORKERS} threads:`);
  console.log(
    `  ${m(result.workers.barEvaluationsPerSecond)}, speed-up ${result.workers.speedup}x over 1 thread`,
  );
}

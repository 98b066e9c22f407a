// Engine benchmark: sweep throughput against bare reference loops, worker speed-up, memory.
// Usage: npm run -s bench:engine -- [--json] [--reps N]
//        npm run -s bench:engine -- --definitions [--json] [--reps N]   (each built-in swept as
//                                                        its compiled definition and as its hand kernel)
//        npm run -s bench:engine -- --memory [--json]   (resident memory of a 200,000-combination
//                                                        MACD sweep on one shard)
import { parseArgs } from "node:util";
import {
  type BacktestContext,
  backtestContext,
  parseOptions,
} from "../backtest-job/engine/backtest.ts";
import { compileDefinition } from "../backtest-job/engine/definition/compile.ts";
import { parseDefinition } from "../backtest-job/engine/definition/parse.ts";
import { planSweep, type SweepPlan, shardIndices } from "../backtest-job/engine/grid.ts";
import { getStrategy, HAND_KERNELS } from "../backtest-job/engine/strategies/index.ts";
import { sweepTable } from "../backtest-job/engine/sweep.ts";
import { syntheticBars } from "../backtest-job/engine/synthetic.ts";
import { runSweep } from "../backtest-job/sweep-pool.ts";
import { referenceFinalEquity, referenceMacdFinalEquity } from "./reference-loop.ts";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    reps: { type: "string", default: "5" },
    memory: { type: "boolean", default: false },
    definitions: { type: "boolean", default: false },
  },
});
const reps = Math.max(1, Number(values.reps));

const BARS = 2_500;
const SWEEP = { fast: { from: 2, to: 50, step: 1 }, slow: { from: 10, to: 200, step: 1 } };
// A MACD sweep of about the same size: 11 x 26 x 30 = 8,580 combinations.
const MACD_SWEEP = {
  fast: { from: 2, to: 12, step: 1 },
  slow: { from: 15, to: 40, step: 1 },
  signal: { from: 2, to: 31, step: 1 },
};
// The memory figure: 20 x 100 x 100 = 200,000 combinations (MAX_COMBINATIONS) on one shard.
const MEMORY_SWEEP = {
  fast: { from: 2, to: 21, step: 1 },
  slow: { from: 22, to: 121, step: 1 },
  signal: { from: 2, to: 101, step: 1 },
};
// The worker figure needs a sweep of at least 50,000 combinations: 64,223 here.
const LARGE_SWEEP = { fast: { from: 2, to: 100, step: 1 }, slow: { from: 10, to: 700, step: 1 } };

// Each built-in's grid for the definition figures: the SMA and MACD grids above, and grids
// of a few thousand combinations for the others.
const DEFINITION_SWEEPS: Record<string, Record<string, unknown>> = {
  "sma-crossover": SWEEP,
  "ema-crossover": SWEEP,
  "rsi-reversion": {
    period: { from: 2, to: 30, step: 2 },
    lower: { from: 10, to: 45, step: 5 },
    upper: { from: 55, to: 90, step: 5 },
  },
  "bollinger-reversion": {
    period: { from: 5, to: 100, step: 1 },
    stdDev: { from: 0.5, to: 3, step: 0.25 },
  },
  "macd-crossover": MACD_SWEEP,
  "donchian-breakout": { entry: { from: 5, to: 100, step: 1 }, exit: { from: 2, to: 50, step: 1 } },
};

const bars = syntheticBars({ bars: BARS, seed: 42 });
const options = parseOptions({});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** One built-in's sweep as its hand kernel and as its compiled definition, in the same run. */
interface DefinitionFigure {
  readonly strategy: string;
  readonly combinations: number;
  readonly handCombosPerSecond: number;
  readonly definedCombosPerSecond: number;
  /** Defined over hand, from the medians of the same run: 1 is as fast. */
  readonly ratio: number;
}

/**
 * Sweeps each built-in's grid with its hand kernel and with its definition compiled, on one
 * context, alternating the two in every repetition so that both see the same load.
 */
function compareDefinitions(): DefinitionFigure[] {
  const ctx = backtestContext(bars);
  return HAND_KERNELS.map((hand) => {
    const defined = compileDefinition(parseDefinition(hand.definition), hand.name);
    const grid = DEFINITION_SWEEPS[hand.name];
    const handPlan = planSweep(hand, grid);
    const definedPlan = planSweep(defined, grid);
    const indices = shardIndices(handPlan.count, { index: 0, count: 1 });
    const time = (plan: SweepPlan) => {
      const t = performance.now();
      sweepTable(ctx, plan, indices, options);
      return performance.now() - t;
    };
    // Warm-up: fills the indicator cache and JITs both loops.
    time(handPlan);
    time(definedPlan);
    const handMs: number[] = [];
    const definedMs: number[] = [];
    for (let r = 0; r < reps; r++) {
      handMs.push(time(handPlan));
      definedMs.push(time(definedPlan));
    }
    const rate = (ms: number[]) => Math.round(handPlan.count / (median(ms) / 1000));
    return {
      strategy: hand.name,
      combinations: handPlan.count,
      handCombosPerSecond: rate(handMs),
      definedCombosPerSecond: rate(definedMs),
      ratio: Number((median(handMs) / median(definedMs)).toFixed(3)),
    };
  });
}

function printDefinitions(figures: readonly DefinitionFigure[]): void {
  console.log(
    `Built-ins as compiled definitions vs hand kernels, ${BARS} bars (median of ${reps}):`,
  );
  for (const f of figures) {
    const k = (x: number) => `${(x / 1000).toFixed(1)}k`.padStart(7);
    console.log(
      `  ${f.strategy.padEnd(20)} ${String(f.combinations).padStart(6)} combos  hand ${k(f.handCombosPerSecond)}/s  defined ${k(f.definedCombosPerSecond)}/s  ratio ${f.ratio}`,
    );
  }
}

if (values.definitions) {
  const figures = compareDefinitions();
  if (values.json) console.log(JSON.stringify({ definitions: figures }));
  else printDefinitions(figures);
  process.exit(0);
}

if (values.memory) {
  // A fresh context, as a Job shard has: everything it holds is part of the figure.
  const ctx = backtestContext(bars);
  const plan = planSweep(getStrategy("macd-crossover"), MEMORY_SWEEP);
  const indices = shardIndices(plan.count, { index: 0, count: 1 });
  const before = process.memoryUsage().rss;
  let peakRss = before;
  const t = performance.now();
  sweepTable(ctx, plan, indices, options, () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  });
  const ms = performance.now() - t;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const result = {
    combinations: plan.count,
    bars: BARS,
    rssBeforeMb: mb(before),
    peakRssMb: mb(peakRss),
    cacheSeries: ctx.indicators.size,
    cacheMb: mb(ctx.indicators.bytes),
    sweepMs: Math.round(ms),
    barEvaluationsPerSecond: Math.round((plan.count * BARS) / (ms / 1000)),
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`MACD sweep, ${plan.count} combinations x ${BARS} bars on one shard:`);
    console.log(`  resident memory ${result.rssBeforeMb} MB before, peak ${result.peakRssMb} MB`);
    console.log(`  indicator cache ${result.cacheSeries} series, ${result.cacheMb} MB`);
    console.log(`  ${result.sweepMs} ms, ${(result.barEvaluationsPerSecond / 1e6).toFixed(1)} M/s`);
  }
  process.exit(0);
}

/** Times the engine's sweep of `plan` and a bare reference loop over the same combinations. */
function compare(
  ctx: BacktestContext,
  plan: SweepPlan,
  reference: (k: number) => number,
): { engineRate: number; referenceRate: number; engineMs: number; referenceMs: number } {
  const indices = shardIndices(plan.count, { index: 0, count: 1 });
  const timeEngine = () => {
    const t = performance.now();
    sweepTable(ctx, plan, indices, options);
    return performance.now() - t;
  };
  const timeReference = () => {
    const t = performance.now();
    for (let k = 0; k < plan.count; k++) sink += reference(k);
    return performance.now() - t;
  };
  // Warm-up: fills the indicator cache (the reference gets its series in advance too) and JITs both.
  timeEngine();
  timeReference();
  const engineMs: number[] = [];
  const referenceMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    engineMs.push(timeEngine());
    referenceMs.push(timeReference());
  }
  const evaluations = plan.count * BARS;
  return {
    engineRate: evaluations / (median(engineMs) / 1000),
    referenceRate: evaluations / (median(referenceMs) / 1000),
    engineMs: median(engineMs),
    referenceMs: median(referenceMs),
  };
}

let sink = 0;
const ctx = backtestContext(bars);
const plan = planSweep(getStrategy("sma-crossover"), SWEEP);
const sma = compare(ctx, plan, (k) =>
  referenceFinalEquity(
    bars.open,
    bars.close,
    ctx.indicators.sma(plan.values[2 * k]),
    ctx.indicators.sma(plan.values[2 * k + 1]),
    plan.values[2 * k + 1],
    10_000,
  ),
);
const macdPlan = planSweep(getStrategy("macd-crossover"), MACD_SWEEP);
const macd = compare(ctx, macdPlan, (k) =>
  referenceMacdFinalEquity(
    bars.open,
    bars.close,
    ctx.indicators.ema(macdPlan.values[3 * k]),
    ctx.indicators.ema(macdPlan.values[3 * k + 1]),
    macdPlan.values[3 * k + 1],
    macdPlan.values[3 * k + 2],
    10_000,
  ),
);
const engineRate = sma.engineRate;
const referenceRate = sma.referenceRate;
const definitions = compareDefinitions();

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
  macd: {
    combinations: macdPlan.count,
    barEvaluationsPerSecond: Math.round(macd.engineRate),
    referenceBarEvaluationsPerSecond: Math.round(macd.referenceRate),
    ratio: Number((macd.engineRate / macd.referenceRate).toFixed(3)),
    engineMsMedian: Number(macd.engineMs.toFixed(1)),
    referenceMsMedian: Number(macd.referenceMs.toFixed(1)),
  },
  definitions,
  workers: {
    n: WORKERS,
    barEvaluationsPerSecond: Math.round(largeEvaluations / (median(parallel) / 1000)),
    speedup: Number((median(single) / median(parallel)).toFixed(3)),
  },
  detail: {
    bars: BARS,
    combinations: plan.count,
    engineMsMedian: Number(sma.engineMs.toFixed(1)),
    referenceMsMedian: Number(sma.referenceMs.toFixed(1)),
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
  console.log(`MACD sweep, ${macdPlan.count} combinations x ${BARS} bars (median of ${reps}):`);
  console.log(`  engine, every summary statistic  ${m(result.macd.barEvaluationsPerSecond)}`);
  console.log(
    `  bare reference loop              ${m(result.macd.referenceBarEvaluationsPerSecond)}`,
  );
  console.log(`  ratio (same run)                 ${result.macd.ratio}`);
  printDefinitions(definitions);
  console.log(`${result.detail.largeSweepCombinations} combinations on ${WORKERS} threads:`);
  console.log(
    `  ${m(result.workers.barEvaluationsPerSecond)}, speed-up ${result.workers.speedup}x over 1 thread`,
  );
}

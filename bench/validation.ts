// Validation benchmark: what a webhook's grid costs on the request thread, against enumerating it.
// Usage: npm run -s bench:validation -- [--json] [--reps N]
import { parseArgs } from "node:util";
import { planSweep } from "../backtest-job/engine/grid.ts";
import { getStrategy } from "../backtest-job/engine/strategies/index.ts";
import { validateRequest } from "../functions/ingest-webhook/validate-request.ts";

const { values } = parseArgs({
  options: { json: { type: "boolean", default: false }, reps: { type: "string", default: "7" } },
});
const reps = Math.max(1, Number(values.reps));

/** 2,000 x 2,000 = 4 M combinations before constraints: the most the default cap lets through. */
const GRID = { fast: { from: 1, to: 2000, step: 1 }, slow: { from: 2, to: 2001, step: 1 } };
// A cap above the grid's count, so that validation counts it whole instead of refusing it.
const CAP = 10_000_000;
const request = {
  strategy: "sma-crossover",
  params: GRID,
  data: { synthetic: { bars: 100, seed: 1 } },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(f: () => number, n: number): { ms: number; count: number } {
  const ms: number[] = [];
  let count = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    count = f();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), count };
}

const validation = time(() => validateRequest(request, CAP).combinations, reps);
// What validation did before counting was arithmetic: enumerate every valid combination.
const enumeration = time(
  () => planSweep(getStrategy("sma-crossover"), GRID).count,
  Math.min(reps, 3),
);
if (validation.count !== enumeration.count) {
  throw new Error(
    `counts differ: ${validation.count} by arithmetic, ${enumeration.count} enumerated`,
  );
}
const result = {
  grid: "sma-crossover fast 1..2000 x slow 2..2001",
  cartesian: 4_000_000,
  combinations: validation.count,
  validateMsMedian: Number(validation.ms.toFixed(2)),
  enumerateMsMedian: Number(enumeration.ms.toFixed(1)),
  ratio: Number((enumeration.ms / validation.ms).toFixed(1)),
  reps,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `${result.grid}: ${result.combinations} valid of ${result.cartesian} (median of ${reps})`,
  );
  console.log(`  validateRequest (arithmetic count)  ${result.validateMsMedian} ms`);
  console.log(`  enumerating the grid (planSweep)     ${result.enumerateMsMedian} ms`);
  console.log(`  enumeration / validation (same run)  ${result.ratio}x`);
}

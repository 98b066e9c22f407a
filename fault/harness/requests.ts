// The backtest requests the scenarios send: synthetic data only, sized to keep Jobs busy for seconds.

/** A request body and the combinations it should produce. */
export interface SweepRequest {
  readonly body: Record<string, unknown>;
  readonly combinations: number;
}

/** Inclusive integer ranges of the sma-crossover grid. */
export interface SmaGrid {
  readonly fast: readonly [number, number];
  readonly slow: readonly [number, number];
}

/**
 * sma-crossover keeps pairs with fast < slow; counted here rather than with the engine, so
 * that the expected rows do not come from the code under test.
 */
export function smaCombinations(grid: SmaGrid): number {
  let count = 0;
  for (let fast = grid.fast[0]; fast <= grid.fast[1]; fast++) {
    for (let slow = grid.slow[0]; slow <= grid.slow[1]; slow++) if (fast < slow) count++;
  }
  return count;
}

/**
 * An sma-crossover sweep over synthetic bars. The default grid (1,140 combinations) over
 * 20,000 bars keeps a shard busy for a few seconds on a 2-core machine.
 *
 * @example sweep({ seed: 7, shards: 3 }) // 3 shards of 380 combinations
 */
export function sweep(options: {
  readonly seed: number;
  readonly shards: number;
  readonly bars?: number;
  readonly grid?: SmaGrid;
  readonly label?: string;
}): SweepRequest {
  const grid = options.grid ?? { fast: [2, 20], slow: [21, 80] };
  return {
    body: {
      strategy: "sma-crossover",
      params: {
        fast: { from: grid.fast[0], to: grid.fast[1], step: 1 },
        slow: { from: grid.slow[0], to: grid.slow[1], step: 1 },
      },
      data: { synthetic: { bars: options.bars ?? 20_000, seed: options.seed } },
      shards: options.shards,
      ...(options.label ? { label: options.label } : {}),
    },
    combinations: smaCombinations(grid),
  };
}

/** One combination on a short series: a run that takes one short Job. */
export function singleBacktest(seed: number): SweepRequest {
  return {
    body: {
      strategy: "sma-crossover",
      params: { fast: 5, slow: 30 },
      data: { synthetic: { bars: 2_000, seed } },
      shards: 1,
    },
    combinations: 1,
  };
}

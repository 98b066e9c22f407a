// Properties of compiled definitions, on random definitions over the whole language and random data.
import { describe, expect, it } from "vitest";
import { backtestContext, parseOptions, runBacktest } from "../backtest.ts";
import { type Bars, sliceBars } from "../bars.ts";
import { planSweep, shardIndices } from "../grid.ts";
import { IndicatorCache } from "../indicator-cache.ts";
import { uniformSampler } from "../random.ts";
import { denseSignals, signalBuffer } from "../signals.ts";
import type { AnyStrategy, Params } from "../strategy.ts";
import { SUMMARY_STATS } from "../summary.ts";
import { sweepRows } from "../sweep.ts";
import { syntheticBars } from "../synthetic.ts";
import { compileDefinition, strategyFromDefinition } from "./compile.ts";
import { parseDefinition } from "./parse.ts";
import type { Cond, Definition } from "./schema.ts";
import { DefinitionSampler, randomDefinition } from "./test-support/random-definition.ts";
import { referenceSignals } from "./test-support/reference-signals.ts";

const SEEDS = 200;

/** Random synthetic bars for `seed`: 40 to 300 of them, calm to wild. */
function barsFor(seed: number): Bars {
  const next = uniformSampler(seed + 1_000_000);
  return syntheticBars({
    bars: 40 + Math.floor(next() * 261),
    seed,
    volatility: [0.1, 0.3, 0.8][Math.floor(next() * 3)],
  });
}

function signalsOf(strategy: AnyStrategy, bars: Bars, params: Params) {
  const out = signalBuffer(bars.length);
  const warmup = strategy.signals(new IndicatorCache(bars), params, out);
  return { warmup, bits: denseSignals(out, bars.length), count: out.count };
}

/** Runs `check` for every seed, naming the seed and the definition when it throws. */
function forEachSeed(seeds: number, check: (seed: number) => void): void {
  for (let seed = 0; seed < seeds; seed++) {
    try {
      check(seed);
    } catch (error) {
      const { definition } = randomDefinition(seed);
      throw new Error(`seed ${seed}: ${(error as Error).message}\n${JSON.stringify(definition)}`, {
        cause: error,
      });
    }
  }
}

describe("compiled definitions on random definitions", () => {
  it("give, at every bar, the warm-up and bits of the language's rules read literally", () => {
    let signalled = 0;
    forEachSeed(SEEDS, (seed) => {
      const { definition, params } = randomDefinition(seed, true);
      const parsed = parseDefinition(definition);
      const bars = barsFor(seed);
      const got = signalsOf(compileDefinition(parsed, "random"), bars, params);
      const want = referenceSignals(parsed, bars, params);
      expect(got.warmup).toBe(want.warmup);
      expect(Array.from(got.bits)).toEqual(Array.from(want.bits));
      if (got.count > 0) signalled++;
    });
    // Most definitions signal at all: the test compares more than empty arrays.
    expect(signalled).toBeGreaterThan(SEEDS / 2);
  });

  it("never look ahead: the first k bars give the full run's signals before k", () => {
    forEachSeed(60, (seed) => {
      const { definition, params } = randomDefinition(seed);
      const strategy = strategyFromDefinition(definition);
      const bars = barsFor(seed);
      const full = signalsOf(strategy, bars, params);
      for (let k = 2; k <= bars.length; k += 1 + (seed % 5)) {
        const cut = signalsOf(strategy, sliceBars(bars, k), params);
        expect(cut.warmup, `cut at ${k}`).toBe(Math.min(full.warmup, k));
        expect(Array.from(cut.bits), `cut at ${k}`).toEqual(Array.from(full.bits.subarray(0, k)));
      }
    });
  });

  it("`not` is the complement of its condition at every bar from the start", () => {
    forEachSeed(SEEDS, (seed) => {
      const s = new DefinitionSampler(seed);
      const c = s.cond(1);
      const { parameters, params } = s.parameters();
      const rule = (long: Cond): Definition => ({ parameters, entry: { long } });
      const bars = barsFor(seed);
      const plain = signalsOf(strategyFromDefinition(rule(c)), bars, params);
      const negated = signalsOf(strategyFromDefinition(rule({ not: c })), bars, params);
      expect(negated.warmup).toBe(plain.warmup);
      for (let i = plain.warmup + 1; i < bars.length; i++) {
        expect(plain.bits[i] ^ negated.bits[i], `bar ${i}`).toBe(1);
      }
    });
  });

  it("crossesBelow: [a, b] is crossesAbove: [b, a]", () => {
    forEachSeed(SEEDS, (seed) => {
      const s = new DefinitionSampler(seed);
      const [a, b] = s.pair(1);
      const { parameters, params } = s.parameters();
      const bars = barsFor(seed);
      const below = signalsOf(
        strategyFromDefinition({ parameters, entry: { long: { crossesBelow: [a, b] } } }),
        bars,
        params,
      );
      const above = signalsOf(
        strategyFromDefinition({ parameters, entry: { long: { crossesAbove: [b, a] } } }),
        bars,
        params,
      );
      expect(below).toEqual(above);
    });
  });

  it("a sweep row is the single backtest of its combination, orders included", () => {
    const options = [
      {},
      { mode: "long-only" as const, commission: 0.002 },
      { tradeOnClose: true, finalizeTrades: true },
    ];
    forEachSeed(80, (seed) => {
      const { definition, grid } = randomDefinition(seed, true);
      const strategy = strategyFromDefinition(definition);
      const ctx = backtestContext(barsFor(seed));
      const plan = planSweep(strategy, Object.keys(grid).length > 0 ? grid : {});
      const opts = parseOptions(options[seed % options.length]);
      const rows = sweepRows(ctx, plan, shardIndices(plan.count, { index: 0, count: 1 }), opts);
      for (const row of rows) {
        const single = runBacktest(ctx, strategy, row.params, opts);
        for (const stat of SUMMARY_STATS) {
          const [got, want] = [row[stat], single.stats[stat] as number];
          if (Number.isNaN(want)) expect(got, stat).toBeNaN();
          else expect(Math.abs(got - want), stat).toBeLessThanOrEqual(1e-9 * Math.abs(want));
        }
      }
    });
  });
});

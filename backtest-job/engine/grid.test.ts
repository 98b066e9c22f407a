// Proves grid parsing: expansion, enumeration order, constraint filtering, errors and shards.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { InvalidParams } from "./errors.ts";
import {
  comboAt,
  countCombinations,
  gridAxes,
  MAX_CARTESIAN,
  MAX_VALUES_PER_PARAMETER,
  parseShard,
  planSweep,
  type SweepPlan,
  shardIndices,
} from "./grid.ts";
import { getStrategy, STRATEGIES } from "./strategies/index.ts";

const sma = getStrategy("sma-crossover");
const bollinger = getStrategy("bollinger-reversion");
const macd = getStrategy("macd-crossover");

/** Every combination of a plan, in enumeration order. */
const combos = (plan: SweepPlan) => Array.from({ length: plan.count }, (_, k) => comboAt(plan, k));

/** The InvalidParams message of `planSweep(strategy, grid)`, failing if it does not throw one. */
function planError(grid: unknown, strategy = sma): string {
  try {
    planSweep(strategy, grid);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParams);
    return (error as InvalidParams).message;
  }
  throw new Error(`planSweep accepted ${JSON.stringify(grid)}`);
}

describe("planSweep: expansion", () => {
  it("takes a number as a single value", () => {
    const plan = planSweep(sma, { fast: 10, slow: 20 });
    expect(combos(plan)).toEqual([{ fast: 10, slow: 20 }]);
    expect(plan.count).toBe(1);
    expect(plan.cartesian).toBe(1);
  });

  it("takes a list in the order given, dropping repeated values", () => {
    const plan = planSweep(sma, { fast: [7, 3, 7, 5], slow: 20 });
    expect(combos(plan).map((c) => c.fast)).toEqual([7, 3, 5]);
  });

  it("expands a range inclusively at both ends", () => {
    const plan = planSweep(sma, { fast: { from: 5, to: 20, step: 5 }, slow: 30 });
    expect(combos(plan).map((c) => c.fast)).toEqual([5, 10, 15, 20]);
  });

  it("stops a range at the last step that does not pass `to`", () => {
    const plan = planSweep(sma, { fast: { from: 5, to: 19, step: 5 }, slow: 30 });
    expect(combos(plan).map((c) => c.fast)).toEqual([5, 10, 15]);
  });

  it("gives a one-value range when from equals to", () => {
    const plan = planSweep(sma, { fast: { from: 8, to: 8, step: 3 }, slow: 30 });
    expect(combos(plan).map((c) => c.fast)).toEqual([8]);
  });

  it("gives clean decimals for floating steps: 0.3, not 0.30000000000000004", () => {
    const plan = planSweep(bollinger, { period: 20, stdDev: { from: 0.1, to: 1, step: 0.1 } });
    const values = combos(plan).map((c) => c.stdDev);
    expect(values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(values[2]).toBe(0.3);
  });

  it("includes `to` even when the floating steps land a hair short of it", () => {
    // (0.7 - 0.1) / 0.2 is 2.9999999999999996 in doubles, and 0.1 + 3 * 0.2 is
    // 0.7000000000000001; the range still ends at 0.7 exactly.
    const plan = planSweep(bollinger, { period: 20, stdDev: { from: 0.1, to: 0.7, step: 0.2 } });
    expect(combos(plan).map((c) => c.stdDev)).toEqual([0.1, 0.3, 0.5, 0.7]);
  });
});

describe("planSweep: enumeration order", () => {
  it("varies the last parameter fastest, in the strategy's declared order", () => {
    const plan = planSweep(sma, { slow: [20, 30], fast: [1, 2, 3] });
    expect(plan.names).toEqual(["fast", "slow"]);
    expect(combos(plan)).toEqual([
      { fast: 1, slow: 20 },
      { fast: 1, slow: 30 },
      { fast: 2, slow: 20 },
      { fast: 2, slow: 30 },
      { fast: 3, slow: 20 },
      { fast: 3, slow: 30 },
    ]);
  });

  it("is deterministic across calls", () => {
    const grid = { fast: { from: 2, to: 12, step: 2 }, slow: [40, 20, 30], signal: [9, 3] };
    const a = planSweep(macd, grid);
    const b = planSweep(macd, grid);
    expect(a.values).toEqual(b.values);
    expect(combos(a)[0]).toEqual({ fast: 2, slow: 40, signal: 9 });
    expect(combos(a)[1]).toEqual({ fast: 2, slow: 40, signal: 3 });
    expect(combos(a)[2]).toEqual({ fast: 2, slow: 20, signal: 9 });
  });

  it("stores combination k at values[k * width + j]", () => {
    const plan = planSweep(macd, { fast: [3, 5], slow: 26, signal: [9, 12] });
    expect(Array.from(plan.values)).toEqual([3, 26, 9, 3, 26, 12, 5, 26, 9, 5, 26, 12]);
  });
});

describe("planSweep: constraints", () => {
  it("drops combinations that break a constraint, keeping the order of the rest", () => {
    const plan = planSweep(sma, { fast: [10, 20, 30], slow: [15, 25] });
    expect(plan.cartesian).toBe(6);
    expect(combos(plan)).toEqual([
      { fast: 10, slow: 15 },
      { fast: 10, slow: 25 },
      { fast: 20, slow: 25 },
    ]);
  });

  it("drops equal values too: fast must be strictly less than slow", () => {
    const plan = planSweep(sma, { fast: [10, 20], slow: 20 });
    expect(combos(plan)).toEqual([{ fast: 10, slow: 20 }]);
  });

  it("fast 2..50 by slow 10..200 gives exactly 8,498 of 9,359 combinations", () => {
    // For slow s in 10..51, fast takes 2..s-1 (s - 2 values): 8 + ... + 49 = 1,197.
    // For slow in 52..200 (149 values), all 49 fasts are valid: 7,301. Total 8,498.
    const plan = planSweep(sma, {
      fast: { from: 2, to: 50, step: 1 },
      slow: { from: 10, to: 200, step: 1 },
    });
    expect(plan.cartesian).toBe(49 * 191);
    expect(plan.count).toBe(8498);
    for (const c of combos(plan)) expect(c.fast < c.slow).toBe(true);
  });
});

describe("planSweep: errors name the parameter at fault", () => {
  it("rejects an unknown parameter, listing the strategy's parameters", () => {
    const message = planError({ fast: 5, slow: 20, slower: 30 });
    expect(message).toContain('unknown parameter "slower"');
    expect(message).toContain("parameters: fast, slow");
  });

  it("rejects a missing parameter", () => {
    expect(planError({ fast: 5 })).toBe("grid: missing parameter slow for sma-crossover");
  });

  it("rejects an empty list", () => {
    expect(planError({ fast: [], slow: 20 })).toBe("grid.fast: the list is empty");
  });

  it("names the index of an out-of-bounds value in a list: grid.fast[2]", () => {
    const message = planError({ fast: [5, 6, 0], slow: 20 });
    expect(message).toMatch(/^grid\.fast\[2\]: 0 is invalid/);
  });

  it("names the index of an out-of-bounds value produced by a range", () => {
    const message = planError({ period: 20, stdDev: { from: 9, to: 11, step: 1 } }, bollinger);
    expect(message).toMatch(/^grid\.stdDev\[2\]: 11 is invalid/);
  });

  it("names a bad single value without an index", () => {
    expect(planError({ fast: 5, slow: 20_000 })).toMatch(/^grid\.slow: 20000 is invalid/);
  });

  it("rejects a non-integer period", () => {
    expect(planError({ fast: 2.5, slow: 20 })).toMatch(/^grid\.fast: 2\.5 is invalid: .*int/);
    expect(planError({ fast: [2, 2.5], slow: 20 })).toMatch(/^grid\.fast\[1\]: 2\.5 is invalid/);
    expect(planError({ fast: { from: 1, to: 2, step: 0.5 }, slow: 20 })).toMatch(
      /^grid\.fast\[1\]: 1\.5 is invalid/,
    );
  });

  it("rejects a range with from > to", () => {
    expect(planError({ fast: { from: 10, to: 5, step: 1 }, slow: 20 })).toBe(
      "grid.fast.to: from must not exceed to",
    );
  });

  it("rejects a step of zero or below", () => {
    for (const step of [0, -1]) {
      expect(planError({ fast: { from: 1, to: 5, step }, slow: 20 })).toMatch(/^grid\.fast\.step:/);
    }
  });

  it("rejects a grid that is not an object, and values that are not numbers", () => {
    expect(planError(null)).toMatch(/^grid: /);
    expect(planError({ fast: "5", slow: 20 })).toMatch(/^grid\.fast: /);
  });

  it("rejects a grid with no valid combination, quoting the constraint", () => {
    expect(planError({ fast: [30, 40], slow: 20 })).toBe(
      "grid: no combination satisfies the constraints of sma-crossover (fast must be less than slow)",
    );
  });

  it("rejects a range of more values than one parameter may take", () => {
    const message = planError({ fast: { from: 1, to: 200_000, step: 1 }, slow: 20 });
    expect(message).toBe(
      `grid.fast: the range gives 200000 values, more than ${MAX_VALUES_PER_PARAMETER}`,
    );
  });

  it("rejects too many combinations before constraints", () => {
    const message = planError({
      fast: { from: 1, to: 10_000, step: 1 },
      slow: { from: 2, to: 10_000, step: 1 },
    });
    expect(message).toBe(
      `grid: 99990000 combinations before constraints, more than ${MAX_CARTESIAN}`,
    );
  });
});

describe("gridAxes: bounded work", () => {
  it("refuses a grid over maxCartesian before expanding or checking a single value", () => {
    // fast[10000] = 10001 is out of bounds, but the size is refused first.
    const grid = {
      fast: { from: 1, to: 100_000, step: 1 },
      slow: { from: 2, to: 100_001, step: 1 },
    };
    expect(() => gridAxes(sma, grid, 4_000_000)).toThrow(
      "grid: 10000000000 combinations before constraints, more than 4000000",
    );
  });

  it("accepts exactly the values each parameter's zod schema accepts", () => {
    // gridAxes checks values without zod where it can; zod stays the judge.
    const params = STRATEGIES.flatMap((s) =>
      Object.entries(s.shape.shape).map(([name, schema]) => ({ s, name, schema })),
    );
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -20, max: 20_000 }),
      fc.integer({ min: -3, max: 10_003 }),
      fc.constantFrom(-0, 0, 1, 2, 10, 99.999, 100, 10_000, 10_001, 2 ** 53, 0.5, 1e-300),
    );
    fc.assert(
      fc.property(fc.constantFrom(...params), value, ({ s, name, schema }, v) => {
        const grid = Object.fromEntries(Object.keys(s.shape.shape).map((n) => [n, 2]));
        grid[name] = v;
        let accepted = true;
        try {
          gridAxes(s, grid);
        } catch (error) {
          expect((error as Error).message).toMatch(new RegExp(`^grid\\.${name}: `));
          accepted = false;
        }
        expect(accepted).toBe(schema.safeParse(v).success);
      }),
      { numRuns: 2_000 },
    );
  });

  it("counts fast 1..10000 by slow 2..10000 (10^8 combinations) without evaluating one", () => {
    const holds = vi.spyOn(sma.constraints[0], "holds");
    try {
      const grid = {
        fast: { from: 1, to: 10_000, step: 1 },
        slow: { from: 2, to: 10_000, step: 1 },
      };
      // For each slow s, fast takes 1..s-1: 1 + 2 + ... + 9999.
      expect(countCombinations(sma, gridAxes(sma, grid, Number.POSITIVE_INFINITY))).toBe(
        49_995_000,
      );
      expect(holds).not.toHaveBeenCalled();
    } finally {
      holds.mockRestore();
    }
  });

  it("expands integer ranges to the same values as the rounded ones", () => {
    const plan = planSweep(macd, {
      fast: { from: 1, to: 9_999, step: 7 },
      slow: 10_000,
      signal: 1,
    });
    const fast = combos(plan).map((c) => c.fast);
    expect(fast).toEqual(fast.map((_, k) => Number((1 + k * 7).toPrecision(12))));
    expect(fast.at(-1)).toBe(9_997);
  });
});

describe("parseShard", () => {
  it.each([
    ["0/1", { index: 0, count: 1 }],
    ["2/4", { index: 2, count: 4 }],
    [" 3/4 ", { index: 3, count: 4 }],
    ["10/12", { index: 10, count: 12 }],
  ])("parses %j", (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
  });

  it.each(["4/4", "5/4", "1/0", "0/0", "-1/3", "1.5/3", "a/b", "3", "0/4/1", "", "1 / 4"])(
    "rejects %j, saying what a shard looks like",
    (text) => {
      expect(() => parseShard(text)).toThrow(InvalidParams);
      expect(() => parseShard(text)).toThrow(`shard "${text}" must be i/n with 0 <= i < n`);
    },
  );
});

describe("shardIndices", () => {
  it("takes every count-th combination from index", () => {
    expect(Array.from(shardIndices(10, { index: 1, count: 3 }))).toEqual([1, 4, 7]);
    expect(Array.from(shardIndices(10, { index: 0, count: 3 }))).toEqual([0, 3, 6, 9]);
  });

  it("gives an empty shard when there are fewer combinations than shards", () => {
    expect(Array.from(shardIndices(2, { index: 3, count: 4 }))).toEqual([]);
  });
});

// Proves the arithmetic count equals enumeration: built-in strategies, chains, trees, cycles.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { countByArithmetic } from "./count-combinations.ts";
import { InvalidParams } from "./errors.ts";
import {
  countCombinations,
  type GridAxes,
  gridAxes,
  MAX_ENUMERATED_FOR_COUNT,
  planSweep,
} from "./grid.ts";
import { STRATEGIES } from "./strategies/index.ts";
import { type AnyStrategy, atMost, type Constraint, lessThan, type Params } from "./strategy.ts";

const RUNS = 300;

/** The oracle: visits the whole cartesian product and asks each constraint's `holds`. */
function bruteCount(constraints: readonly Constraint<Params>[], g: GridAxes): number {
  let count = 0;
  const combo: Record<string, number> = {};
  const visit = (j: number): void => {
    if (j === g.names.length) {
      if (constraints.every((c) => c.holds(combo))) count++;
      return;
    }
    for (const v of g.axes[j]) {
      combo[g.names[j]] = v;
      visit(j + 1);
    }
  };
  visit(0);
  return count;
}

/** Axes for `names`, as planSweep never builds them: negatives, -0, equal values, repeats. */
const axesFor = (names: readonly string[]): fc.Arbitrary<GridAxes> =>
  fc
    .tuple(
      ...names.map(() =>
        fc.array(fc.constantFrom(-3, -1.5, -1, -0, 0, 0.5, 1, 2, 2, 3, 7), {
          minLength: 1,
          maxLength: 7,
        }),
      ),
    )
    .map((axes) => ({ names, axes, cartesian: axes.reduce((n, a) => n * a.length, 1) }));

/** A strategy with parameters a, b, c, d and the given constraints, for shapes none has yet. */
function strategyWith(constraints: readonly Constraint<Params>[]): AnyStrategy {
  return {
    name: "test-strategy",
    description: "",
    shape: z.object({ a: z.number(), b: z.number(), c: z.number(), d: z.number() }),
    constraints,
    signals: () => 0,
  };
}

const ABCD = ["a", "b", "c", "d"] as const;
const lt = (left: string, right: string) => lessThan<Params>(left, right);
const le = (left: string, right: string) => atMost<Params>(left, right);

describe("countByArithmetic agrees with enumeration", () => {
  it.each(STRATEGIES.map((s) => [s.name, s] as const))(
    "%s: on random axes with negatives, -0, equal and repeated values",
    (_, strategy) => {
      const names = Object.keys(strategy.shape.shape);
      fc.assert(
        fc.property(axesFor(names), (g) => {
          const expected = bruteCount(strategy.constraints, g);
          expect(countByArithmetic(strategy.constraints, g.names, g.axes)).toBe(expected);
          expect(countCombinations(strategy, g)).toBe(expected);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it("for every built-in strategy: countCombinations(gridAxes) is planSweep(...).count", () => {
    // Numbers, lists with repeats and ranges, all inside every strategy's bounds (2..10),
    // so that many combinations tie on the constraint (fast = slow is not fast < slow).
    const value = fc.oneof(
      fc.integer({ min: 2, max: 10 }),
      fc.array(fc.integer({ min: 2, max: 10 }), { minLength: 1, maxLength: 8 }),
      fc
        .record({ from: fc.integer({ min: 2, max: 10 }), span: fc.nat({ max: 8 }) })
        .chain(({ from, span }) =>
          fc.record({
            from: fc.constant(from),
            to: fc.constant(Math.min(10, from + span)),
            step: fc.constantFrom(1, 2, 3),
          }),
        ),
    );
    const strategyGrid = fc
      .constantFrom(...STRATEGIES)
      .chain((s) =>
        fc.tuple(
          fc.constant(s),
          fc.record(Object.fromEntries(Object.keys(s.shape.shape).map((n) => [n, value]))),
        ),
      );
    fc.assert(
      fc.property(strategyGrid, ([strategy, grid]) => {
        const counted = countCombinations(strategy, gridAxes(strategy, grid));
        let planned = 0;
        try {
          planned = planSweep(strategy, grid).count;
        } catch (error) {
          // planSweep refuses a grid with no valid combination; that is a count of 0.
          expect((error as Error).message).toMatch(/no combination satisfies/);
        }
        expect(counted).toBe(planned);
      }),
      { numRuns: RUNS },
    );
  });

  it("for chains, stars and other trees of constraints, in either direction", () => {
    const trees = [
      [lt("a", "b"), lt("b", "c")],
      [lt("a", "b"), lt("b", "c"), lt("c", "d")],
      [lt("c", "b"), lt("b", "a")],
      [lt("a", "b"), lt("a", "c"), lt("a", "d")],
      [lt("b", "a"), lt("c", "a"), lt("a", "d")],
      [lt("b", "a"), lt("b", "c"), lt("d", "c")],
      [lt("a", "b"), lt("c", "d")],
      [lt("a", "b"), lt("a", "b")],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...trees), axesFor(ABCD), (constraints, g) => {
        expect(countByArithmetic(constraints, g.names, g.axes)).toBe(bruteCount(constraints, g));
      }),
      { numRuns: RUNS },
    );
  });

  it("for any set of constraints: exact when it counts, and it counts every forest", () => {
    const pairs = ABCD.flatMap((l) => ABCD.map((r) => [l, r] as const));
    const constraintSets = fc
      .subarray(pairs, { maxLength: 5 })
      .map((ps) => ps.map(([l, r]) => lt(l, r)));
    fc.assert(
      fc.property(constraintSets, axesFor(ABCD), (constraints, g) => {
        const counted = countByArithmetic(constraints, g.names, g.axes);
        if (counted === undefined) {
          expect(hasCycle(constraints)).toBe(true);
        } else {
          expect(counted).toBe(bruteCount(constraints, g));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("for strict and non-strict constraints mixed (a <= b), trees exactly and a <= a always", () => {
    const pairs = ABCD.flatMap((l) => ABCD.map((r) => [l, r] as const));
    const constraintSets = fc
      .subarray(pairs, { maxLength: 5 })
      .chain((ps) => fc.tuple(...ps.map(([l, r]) => fc.constantFrom(lt(l, r), le(l, r)))));
    let counted = 0;
    fc.assert(
      fc.property(constraintSets, axesFor(ABCD), (constraints, g) => {
        const count = countByArithmetic(constraints, g.names, g.axes);
        if (count === undefined) {
          expect(hasCycle(constraints)).toBe(true);
        } else {
          counted++;
          expect(count).toBe(bruteCount(constraints, g));
        }
      }),
      { numRuns: RUNS },
    );
    expect(counted).toBeGreaterThan(RUNS / 2);
  });

  it("counts equal values as pairing under <= and not under <", () => {
    const axes = [
      [1, 2, 3],
      [1, 2, 3],
    ];
    expect(countByArithmetic([lt("a", "b")], ["a", "b"], axes)).toBe(3);
    expect(countByArithmetic([le("a", "b")], ["a", "b"], axes)).toBe(6);
    expect(countByArithmetic([le("b", "a")], ["a", "b"], axes)).toBe(6);
    expect(countByArithmetic([le("a", "b"), lt("a", "b")], ["a", "b"], axes)).toBe(3);
    expect(countByArithmetic([le("a", "a")], ["a", "b"], axes)).toBe(9);
  });
});

/** Whether the constraints, as undirected edges between distinct parameters, hold a cycle. */
function hasCycle(constraints: readonly Constraint<Params>[]): boolean {
  const edges = new Set(
    constraints.filter((c) => c.left !== c.right).map((c) => `${c.left}<${c.right}`),
  );
  const parent = new Map<string, string>();
  const root = (x: string): string => {
    while (parent.has(x)) x = parent.get(x)!;
    return x;
  };
  for (const e of edges) {
    const [l, r] = e.split("<").map(root);
    if (l === r) return true;
    parent.set(l, r);
  }
  return false;
}

describe("countCombinations", () => {
  it("counts a < a as no combination, whatever the axes", () => {
    const g = { names: ["a", "b"], axes: [[1, 2, 3], [4]], cartesian: 3 };
    expect(countByArithmetic([lt("a", "a")], g.names, g.axes)).toBe(0);
  });

  it("counts a cycle of constraints by enumeration when the grid is small", () => {
    const strategy = strategyWith([lt("a", "b"), lt("b", "c"), lt("a", "c")]);
    fc.assert(
      fc.property(axesFor(ABCD), (g) => {
        expect(countByArithmetic(strategy.constraints, g.names, g.axes)).toBeUndefined();
        expect(countCombinations(strategy, g)).toBe(bruteCount(strategy.constraints, g));
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a cycle of constraints over a grid too large to enumerate, saying why", () => {
    const strategy = strategyWith([lt("a", "b"), lt("b", "a")]);
    const range = (n: number) => Array.from({ length: n }, (_, k) => k);
    const g = { names: ABCD, axes: [range(400), range(400), [1], [1]], cartesian: 160_000 };
    expect(g.cartesian).toBeGreaterThan(MAX_ENUMERATED_FOR_COUNT);
    expect(() => countCombinations(strategy, g)).toThrow(InvalidParams);
    expect(() => countCombinations(strategy, g)).toThrow(
      `grid: 160000 combinations before constraints, more than the ${MAX_ENUMERATED_FOR_COUNT} that can be counted under the constraints of test-strategy`,
    );
  });

  it("counts 100,000 by 100,000 values without evaluating a single combination", () => {
    const holds = vi.fn((p: Params) => p.a < p.b);
    const strategy = strategyWith([{ ...lt("a", "b"), holds }]);
    const values = Array.from({ length: 100_000 }, (_, k) => k + 1);
    const g = { names: ABCD, axes: [values, values, [0], [0]], cartesian: 1e10 };
    const started = performance.now();
    // Pairs a < b among 1..100000: 100000 * 99999 / 2.
    expect(countCombinations(strategy, g)).toBe(4_999_950_000);
    expect(holds).not.toHaveBeenCalled();
    // A sanity bound, not a benchmark: enumerating 10^10 combinations would take hours.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("counts three axes of 100,000 values (10^15 combinations) exactly, below 2^53", () => {
    const values = Array.from({ length: 100_000 }, (_, k) => k);
    const g = { names: ABCD, axes: [values, values, values, [0]], cartesian: 1e15 };
    const chain = strategyWith([lt("a", "b"), lt("b", "c")]);
    // a < b < c among 100,000 distinct values: C(100000, 3).
    expect(countCombinations(chain, g)).toBe((100_000 * 99_999 * 99_998) / 6);
  });
});

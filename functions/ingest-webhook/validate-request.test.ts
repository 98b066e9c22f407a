// Proves validation does bounded work: the largest grids are counted, never enumerated.
import { afterEach, describe, expect, it, vi } from "vitest";
import { getStrategy } from "../../backtest-job/engine/strategies/index.ts";
import { HttpError } from "../../platform/http/http-errors.ts";
import { validateRequest } from "./validate-request.ts";

/** The default MAX_COMBINATIONS. */
const CAP = 200_000;
const DATA = { synthetic: { bars: 300, seed: 1 } };

const range = (from: number, to: number, step = 1) => ({ from, to, step });

/** The 400 that `validateRequest` throws, failing if it accepts. */
function refusal(body: unknown, cap = CAP): HttpError {
  try {
    validateRequest(body, cap);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    return error as HttpError;
  }
  throw new Error(`validateRequest accepted ${JSON.stringify(body)}`);
}

/** Spies on every constraint of every strategy used here: enumeration would call them. */
function spyOnConstraints() {
  return ["sma-crossover", "rsi-reversion"].flatMap((name) =>
    getStrategy(name).constraints.map((c) => vi.spyOn(c, "holds")),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("validateRequest: the largest grids", () => {
  it("counts sma-crossover fast 1..2000 by slow 2..2001 (4 M combinations) without enumerating", () => {
    const spies = spyOnConstraints();
    const body = {
      strategy: "sma-crossover",
      params: { fast: range(1, 2000), slow: range(2, 2001) },
      data: DATA,
    };
    const started = performance.now();
    const error = refusal(body);
    // A sanity bound, not a benchmark: enumerating took about half a second a call.
    expect(performance.now() - started).toBeLessThan(200);
    // For each slow s, fast takes 1..s-1: 1 + 2 + ... + 2000 = 2,001,000 of 4,000,000.
    expect(error.message).toBe(
      "params: the grid gives 2001000 combinations, more than the cap of 200000",
    );
    expect(error.details).toEqual({ issues: [{ path: "params", message: error.message }] });
    // With a cap that admits it, the same grid is accepted with its exact count.
    expect(validateRequest(body, 2_001_000).combinations).toBe(2_001_000);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("refuses fast 1..100000 by slow 1..100000 (10^10) on its size, before expanding a value", () => {
    const spies = spyOnConstraints();
    const started = performance.now();
    const error = refusal({
      strategy: "sma-crossover",
      params: { fast: range(1, 100_000), slow: range(1, 100_000) },
      data: DATA,
    });
    // Not "params.fast[10000]: 10001 is invalid": no value was looked at.
    expect(error.message).toBe(
      "params: 10000000000 combinations before constraints, more than 4000000",
    );
    expect(error.details).toEqual({ issues: [{ path: "params", message: error.message }] });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("counts the largest single axis, 99,999 RSI levels by 40, exactly and without enumerating", () => {
    const spies = spyOnConstraints();
    const error = refusal({
      strategy: "rsi-reversion",
      params: { period: 14, lower: range(0.001, 99.999, 0.001), upper: range(60, 99) },
      data: DATA,
    });
    // For each upper u, lower takes 0.001..u-0.001: 1000u - 1 values; summed over 60..99.
    expect(error.message).toBe(
      "params: the grid gives 3179960 combinations, more than the cap of 200000",
    );
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("never lets the product past what the Job's planSweep accepts, whatever the cap", () => {
    const error = refusal(
      {
        strategy: "sma-crossover",
        params: { fast: range(1, 5000), slow: range(2, 5001) },
        data: DATA,
      },
      10_000_000,
    );
    expect(error.message).toBe(
      "params: 25000000 combinations before constraints, more than 20000000",
    );
  });
});

describe("validateRequest: strategy definitions", () => {
  const definition = {
    parameters: { fast: { integer: true }, slow: { integer: true } },
    constraints: [{ left: "fast", op: "<", right: "slow" }],
    entry: {
      long: {
        crossesAbove: [
          { sma: { period: { param: "fast" } } },
          { sma: { period: { param: "slow" } } },
        ],
      },
    },
  };

  it("counts a definition's grid under its constraints", () => {
    const body = { strategy: definition, params: { fast: [5, 10, 30], slow: 20 }, data: DATA };
    expect(validateRequest(body, CAP).combinations).toBe(2);
  });

  it("lists every problem under strategy, in the message and as issues", () => {
    const strategy = { ...definition, entry: { long: { and: [{ "<": ["close", "x"] }] } } };
    const error = refusal({ strategy, params: { fast: 5 }, data: DATA });
    expect(error.message).toBe(
      "the strategy definition is invalid: strategy.entry.long.and: needs at least 2 conditions",
    );
    expect(error.details).toEqual({
      issues: [{ path: "strategy.entry.long.and", message: "needs at least 2 conditions" }],
    });
    const empty = refusal({ strategy: {}, params: { fast: 5 }, data: DATA });
    expect((empty.details!.issues as { path: string }[]).map((i) => i.path)).toEqual([
      "strategy.entry",
    ]);
  });

  it("refuses a grid value that no use of the parameter accepts, at params", () => {
    const error = refusal({ strategy: definition, params: { fast: 0, slow: 20 }, data: DATA });
    expect(error.message).toMatch(/^params\.fast/);
  });
});

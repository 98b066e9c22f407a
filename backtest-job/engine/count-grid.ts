// A request's grid counted under a cap: what ingest refuses at the door and dispatch checks again.
import { EngineError } from "./errors.ts";
import { cartesianLimit, countCombinations, gridAxes } from "./grid.ts";
import { getStrategy } from "./strategies/index.ts";

/** What counting a grid under a cap found; each caller words the refusals its own way. */
export type GridCount =
  | { readonly kind: "ok"; readonly combinations: number }
  /** The strategy or the grid is refused: the engine's message ("grid.fast[2]: ...", "unknown strategy ..."). */
  | { readonly kind: "invalid"; readonly message: string }
  /** No combination satisfies the strategy's constraints, whose messages are `rules`. */
  | { readonly kind: "none"; readonly rules: readonly string[] }
  /** More valid combinations than the cap. */
  | { readonly kind: "over"; readonly combinations: number };

/**
 * Counts the valid combinations of `params` for `strategyName` by arithmetic, refusing a
 * cartesian product past {@link cartesianLimit} before any value is expanded: never more
 * than the Job itself accepts.
 *
 * @example countGrid("sma-crossover", { fast: [5, 10], slow: 20 }, 200_000) // { kind: "ok", combinations: 2 }
 */
export function countGrid(strategyName: string, params: unknown, cap: number): GridCount {
  try {
    const strategy = getStrategy(strategyName);
    const combinations = countCombinations(
      strategy,
      gridAxes(strategy, params, cartesianLimit(cap)),
    );
    if (combinations === 0) {
      return { kind: "none", rules: strategy.constraints.map((c) => c.message) };
    }
    if (combinations > cap) return { kind: "over", combinations };
    return { kind: "ok", combinations };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { kind: "invalid", message: error.message };
  }
}

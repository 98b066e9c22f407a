// A request's grid counted under a cap: what ingest refuses at the door and dispatch checks again.
import { EngineError, InvalidDefinition, type IssueAt } from "./errors.ts";
import { cartesianLimit, countCombinations, gridAxes } from "./grid.ts";
import { resolveStrategy } from "./strategies/index.ts";

/** What counting a grid under a cap found; each caller words the refusals its own way. */
export type GridCount =
  | { readonly kind: "ok"; readonly combinations: number }
  /** The strategy or the grid is refused: the engine's message ("grid.fast[2]: ...", "unknown strategy ..."). */
  | { readonly kind: "invalid"; readonly message: string }
  /** The strategy is a definition the engine refuses: every problem, paths relative to it. */
  | { readonly kind: "definition"; readonly issues: readonly IssueAt[] }
  /** No combination satisfies the strategy's constraints, whose messages are `rules`. */
  | { readonly kind: "none"; readonly rules: readonly string[] }
  /** More valid combinations than the cap. */
  | { readonly kind: "over"; readonly combinations: number };

/**
 * Counts the valid combinations of `params` for `strategy` (a built-in's name or a
 * definition) by arithmetic, refusing a cartesian product past {@link cartesianLimit} before
 * any value is expanded: never more than the Job itself accepts.
 *
 * @example countGrid("sma-crossover", { fast: [5, 10], slow: 20 }, 200_000) // { kind: "ok", combinations: 2 }
 */
export function countGrid(strategy: string | object, params: unknown, cap: number): GridCount {
  try {
    const resolved = resolveStrategy(strategy);
    const combinations = countCombinations(
      resolved,
      gridAxes(resolved, params, cartesianLimit(cap)),
    );
    if (combinations === 0) {
      return { kind: "none", rules: resolved.constraints.map((c) => c.message) };
    }
    if (combinations > cap) return { kind: "over", combinations };
    return { kind: "ok", combinations };
  } catch (error) {
    if (error instanceof InvalidDefinition) return { kind: "definition", issues: error.issues };
    if (!(error instanceof EngineError)) throw error;
    return { kind: "invalid", message: error.message };
  }
}

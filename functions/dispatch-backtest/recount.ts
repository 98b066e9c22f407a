// Counts a request's combinations again from its grid: dispatch trusts no count an event carries.
import { EngineError } from "../../backtest-job/engine/errors.ts";
import { cartesianLimit, countCombinations, gridAxes } from "../../backtest-job/engine/grid.ts";
import { getStrategy } from "../../backtest-job/engine/strategies/index.ts";
import type { BacktestRequest } from "../../events/index.ts";

/** What the recount found: the count, or why the run cannot go ahead. */
export type Recount =
  | { readonly ok: true; readonly combinations: number }
  | {
      readonly ok: false;
      /** The count, when the grid could be counted at all. */
      readonly combinations: number | undefined;
      readonly reason: string;
    };

/**
 * Counts the valid combinations of `request`'s grid by arithmetic (milliseconds even for
 * millions), under the same limits as at ingest: at most `cap` combinations, a product at most
 * cartesianLimit(cap), a known strategy, at least one combination.
 *
 * @example recountCombinations(event.data.request, config.MAX_COMBINATIONS)
 */
export function recountCombinations(request: BacktestRequest, cap: number): Recount {
  let combinations: number;
  try {
    const strategy = getStrategy(request.strategy);
    // The product limit ingest applied at the door, applied again: every shard enumerates it.
    const axes = gridAxes(strategy, request.params, cartesianLimit(cap));
    combinations = countCombinations(strategy, axes);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { ok: false, combinations: undefined, reason: error.message.replace(/^grid/, "params") };
  }
  if (combinations === 0) {
    return { ok: false, combinations, reason: "params: no combination satisfies the constraints" };
  }
  if (combinations > cap) {
    return {
      ok: false,
      combinations,
      reason: `params: the grid gives ${combinations} combinations, more than the cap of ${cap}`,
    };
  }
  return { ok: true, combinations };
}

// Counts a request's combinations again from its grid: dispatch trusts no count an event carries.
import { countGrid } from "../../backtest-job/engine/count-grid.ts";
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
 * cartesianLimit(cap), a known strategy or a valid definition, at least one combination.
 *
 * @example recountCombinations(event.data.request, config.MAX_COMBINATIONS)
 */
export function recountCombinations(request: BacktestRequest, cap: number): Recount {
  const counted = countGrid(request.strategy, request.params, cap);
  switch (counted.kind) {
    case "ok":
      return { ok: true, combinations: counted.combinations };
    case "invalid":
      return {
        ok: false,
        combinations: undefined,
        reason: counted.message.replace(/^grid/, "params"),
      };
    case "definition":
      return {
        ok: false,
        combinations: undefined,
        // Worded as ingest words it: the definition's paths under `strategy`.
        reason: counted.issues
          .map((i) => `${i.path ? `strategy.${i.path}` : "strategy"}: ${i.message}`)
          .join("; "),
      };
    case "none":
      return {
        ok: false,
        combinations: 0,
        reason: "params: no combination satisfies the constraints",
      };
    case "over":
      return {
        ok: false,
        combinations: counted.combinations,
        reason: `params: the grid gives ${counted.combinations} combinations, more than the cap of ${cap}`,
      };
  }
}

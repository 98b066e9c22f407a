// The shard's best combination for the wire: JSON-safe stats, the last trades, a short equity curve.
import { type Best, MAX_BEST_TRADES, MAX_CURVE_POINTS, toJsonNumber } from "../../events/index.ts";
import { tradeJson } from "../cli/json-output.ts";
import { STAT_NAMES } from "../engine/stats.ts";
import { type SummaryStat, topPositions } from "../engine/summary.ts";
import { downsample } from "../engine/sweep.ts";
import type { SweepOutcome } from "../sweep-pool.ts";

/**
 * The best combination of a sweep run with `top >= 1` and ranked by `sort`, or undefined when
 * the shard evaluated nothing. Trades are the last {@link MAX_BEST_TRADES} in the CLI's shape
 * (ISO times, returnPct in percent), with `tradesTotal` counting all of them.
 */
export function encodeBest(
  outcome: Pick<SweepOutcome, "table" | "top">,
  sort: SummaryStat,
): Best | undefined {
  const top = outcome.top[0];
  if (!top) return undefined;
  // runSweep keeps the best row's params, not its index: rank again exactly as it did.
  const position = topPositions(outcome.table, sort, 1)[0];
  const stats: Best["stats"] = {};
  for (const name of STAT_NAMES) {
    const value = top.stats[name];
    stats[name] = typeof value === "number" ? toJsonNumber(value) : value;
  }
  const curve = top.equityCurve;
  return {
    comboIndex: outcome.table.indices[position],
    params: { ...top.params },
    stats,
    trades: top.trades.slice(-MAX_BEST_TRADES).map(tradeJson),
    tradesTotal: top.trades.length,
    equityCurve: downsample(
      Float64Array.from(curve, (p) => p[0]),
      Float64Array.from(curve, (p) => p[1]),
      MAX_CURVE_POINTS,
    ),
  };
}

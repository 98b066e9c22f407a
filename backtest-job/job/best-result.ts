// The shard's best combination for the wire: JSON-safe stats, the last trades, a short equity curve.
import { type Best, MAX_BEST_TRADES, MAX_CURVE_POINTS, toJsonNumber } from "../../events/index.ts";
import { tradeJson } from "../cli/json-output.ts";
import type { Bars } from "../engine/bars.ts";
import { STAT_NAMES } from "../engine/stats.ts";
import { downsample } from "../engine/sweep.ts";
import type { SweepOutcome } from "../sweep-pool.ts";

/** The price columns buy and hold is computed from. */
export type Prices = Pick<Bars, "length" | "time" | "close">;

/**
 * The best combination of a sweep run with `top >= 1` and ranked by `sort`, or undefined when
 * the shard evaluated nothing. Trades are the last {@link MAX_BEST_TRADES} in the CLI's shape
 * (ISO times, returnPct in percent), with `tradesTotal` counting all of them. Given the swept
 * `prices`, it also carries the buy-and-hold curve at the equity curve's times.
 */
export function encodeBest(
  outcome: Pick<SweepOutcome, "top" | "comboIndices">,
  prices?: Prices,
): Best | undefined {
  const top = outcome.top[0];
  if (!top) return undefined;
  const stats: Best["stats"] = {};
  for (const name of STAT_NAMES) {
    const value = top.stats[name];
    stats[name] = typeof value === "number" ? toJsonNumber(value) : value;
  }
  const curve = top.equityCurve;
  const equityCurve = downsample(
    Float64Array.from(curve, (p) => p[0]),
    Float64Array.from(curve, (p) => p[1]),
    MAX_CURVE_POINTS,
  );
  const buyHoldCurve = prices ? buyAndHold(equityCurve, prices) : undefined;
  return {
    comboIndex: outcome.comboIndices[0],
    params: { ...top.params },
    stats,
    trades: top.trades.slice(-MAX_BEST_TRADES).map(tradeJson),
    tradesTotal: top.trades.length,
    equityCurve,
    ...(buyHoldCurve ? { buyHoldCurve } : {}),
  };
}

/**
 * The starting equity held in the asset from the first bar's close, at each time of `curve`
 * (bar times, ascending), so the two curves plot on one axis. Undefined when the first close
 * is not a positive price, where the ratio means nothing.
 */
function buyAndHold(
  curve: readonly [number, number][],
  prices: Prices,
): [number, number][] | undefined {
  const first = prices.close[0];
  if (!curve.length || !(first > 0)) return undefined;
  const cash = curve[0][1];
  let i = 0;
  return curve.map(([time]) => {
    while (i < prices.length - 1 && prices.time[i] < time) i++;
    return [time, (cash * prices.close[i]) / first];
  });
}

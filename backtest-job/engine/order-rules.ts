// How a strategy's entries are sized and bracketed: size fraction, stop-loss and take-profit.

/**
 * Where a stop-loss or take-profit sits, measured from the close of the signal bar:
 * `percent` of that close, or `multiple` times the ATR at that bar (`atr` is the series,
 * from the strategy's {@link IndicatorCache}).
 */
export type ExitLevel =
  | { readonly kind: "percent"; readonly percent: number }
  | { readonly kind: "atr"; readonly multiple: number; readonly atr: Float64Array };

/**
 * The orders a strategy places, as backtesting.py's `buy(size=, sl=, tp=)`.
 *
 * @example { size: 0.5, stopLoss: { kind: "percent", percent: 2 } } // half the margin, 2 % stop
 */
export interface OrderRules {
  /** Fraction of equity per entry, in (0, 1]; 1 is backtesting.py's all-in default. */
  readonly size: number;
  readonly stopLoss?: ExitLevel;
  readonly takeProfit?: ExitLevel;
}

/** Every entry all-in, closed only by signals: the built-in strategies' orders. */
export const ALL_IN: OrderRules = { size: 1 };

/** The price `away` (+1 above the close, -1 below) at `level` from the close of `bar`. */
function levelPrice(level: ExitLevel, away: number, close: Float64Array, bar: number): number {
  const c = close[bar];
  // The same arithmetic, operand for operand, as the oracle's backtesting.py strategies:
  // c * (1 - p / 100) and c - m * atr, so both sides agree to the last bit.
  if (level.kind === "percent") return c * (1 + (away * level.percent) / 100);
  return c + away * level.multiple * level.atr[bar];
}

/**
 * The stop-loss price of a trade of `direction` signalled at `bar`, or NaN for none.
 * A long's stop is below the signal close, a short's above it.
 */
export function stopLossPrice(
  rules: OrderRules,
  direction: number,
  close: Float64Array,
  bar: number,
): number {
  if (rules.stopLoss === undefined) return Number.NaN;
  return usable(levelPrice(rules.stopLoss, -direction, close, bar), -direction, close[bar]);
}

/** The take-profit price of a trade of `direction` signalled at `bar`, or NaN for none. */
export function takeProfitPrice(
  rules: OrderRules,
  direction: number,
  close: Float64Array,
  bar: number,
): number {
  if (rules.takeProfit === undefined) return Number.NaN;
  return usable(levelPrice(rules.takeProfit, direction, close, bar), direction, close[bar]);
}

/**
 * `price` if backtesting.py could place it, else NaN (no such order on this trade).
 * backtesting.py's `new_order` requires SL < close < TP for a long (TP < close < SL for a
 * short) and raises otherwise, `Trade.sl/tp` require 0 < price < inf, and a level of 0
 * places no order. A level that would fail there (an ATR of 0 or NaN, a short's
 * take-profit at or below zero) is dropped instead of failing the whole backtest: a
 * zero-distance bracket means nothing, and one flat stretch of data must not sink a sweep.
 */
function usable(price: number, side: number, close: number): number {
  if (!(price > 0 && price < Number.POSITIVE_INFINITY)) return Number.NaN;
  return side > 0 ? (price > close ? price : Number.NaN) : price < close ? price : Number.NaN;
}

/**
 * The price at which bar `i` closes a trade of `units` through its stop-loss `stopLoss` or
 * take-profit `takeProfit` (NaN for none), or NaN when the bar reaches neither. These are
 * backtesting.py 0.6.6's contingent orders as `_Broker._process_orders` runs them:
 * - the stop-loss is processed first: `Trade.sl` inserts its order at the head of the
 *   queue and `Trade.tp` appends, so when one bar reaches both, the stop wins;
 * - a stop triggers on touch (`low <= stop` for a long's sell stop, `high >= stop` for a
 *   short's buy stop) and fills at the stop, or at the open when the bar gapped through it
 *   (`min(open, stop)`, `max(open, stop)`);
 * - a take-profit is a limit order, filled on touch too (`high >= limit` for a long's sell
 *   limit, `low <= limit` for a short's), at the limit or at a better open
 *   (`max(open, limit)`, `min(open, limit)`);
 * - contingent orders use this bar's open even under trade-on-close.
 */
export function bracketExit(
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  i: number,
  units: number,
  stopLoss: number,
  takeProfit: number,
): number {
  if (units > 0) {
    if (low[i] <= stopLoss) return Math.min(open[i], stopLoss);
    if (high[i] >= takeProfit) return Math.max(open[i], takeProfit);
  } else if (units < 0) {
    if (high[i] >= stopLoss) return Math.max(open[i], stopLoss);
    if (low[i] <= takeProfit) return Math.min(open[i], takeProfit);
  }
  return Number.NaN;
}

/**
 * The first bar from `from` (below `n`) at which {@link bracketExit} closes a trade of
 * `units`, or `n` if none does: the sweep kernel scans once per trade instead of testing
 * every bar it marks.
 */
export function bracketBar(
  high: Float64Array,
  low: Float64Array,
  from: number,
  n: number,
  units: number,
  stopLoss: number,
  takeProfit: number,
): number {
  let k = from;
  if (units > 0) while (k < n && !(low[k] <= stopLoss || high[k] >= takeProfit)) k++;
  else while (k < n && !(high[k] >= stopLoss || low[k] <= takeProfit)) k++;
  return k;
}

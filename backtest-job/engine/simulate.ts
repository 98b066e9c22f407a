// The broker loop of a single backtest: fills, sizing, cash and the equity curve.
// Every rule follows backtesting.py 0.6.6's default model (docs/decisions/0003-execution-model.md).
import type { Bars } from "./bars.ts";
import type { BacktestOptions } from "./options.ts";
import { NO_ORDER, orderTable, positionSlot, type SignalBuffer } from "./signals.ts";
import { type Trade, tradeReturn } from "./trade.ts";

/** backtesting.py sizes all-in orders at `1 - sys.float_info.epsilon` of the cash. */
export const FULL_EQUITY = 1 - Number.EPSILON;

/** What one simulation produced, before statistics. */
export interface Simulation {
  /** Equity at each bar's close; bars before `start` hold the starting cash. */
  readonly equity: Float64Array;
  /** Trades closed before the end of data (or by `finalizeTrades`). */
  readonly trades: Trade[];
  /** A trade still open after the last bar; it counts in equity only. */
  readonly openTrade: Trade | undefined;
  /** The first bar at which the strategy was evaluated. */
  readonly start: number;
}

/** Whole units an all-in order buys at `price`, commission included (0 drops the order). */
export function allInUnits(cash: number, price: number, commission: number): number {
  return Math.floor((cash * FULL_EQUITY) / (price + price * commission));
}

/**
 * Runs the broker over the strategy's `signals` from bar `start` on.
 * The loop mirrors backtesting.py: at each bar, orders from the previous bar fill first,
 * then equity is marked at the close, then the strategy's signal places the next order.
 */
export function simulate(
  bars: Bars,
  signals: SignalBuffer,
  start: number,
  options: BacktestOptions,
): Simulation {
  const { open, close, time } = bars;
  const n = bars.length;
  const { commission, tradeOnClose } = options;
  const orders = orderTable(options.mode === "long-only");
  const equity = new Float64Array(n).fill(options.cash);
  const trades: Trade[] = [];
  let cash = options.cash;
  let units = 0;
  let entryPrice = 0;
  let entryBar = -1;
  let entryCommission = 0;
  let pending = NO_ORDER;
  let e = 0;
  while (e < signals.count && signals.bars[e] < start) e++;

  const closeTrade = (price: number, bar: number): Trade => {
    const exitCommission = Math.abs(units) * price * commission;
    const gross = units * (price - entryPrice);
    // Cash gets the price difference only: the entry cost never left the account.
    cash += gross - exitCommission;
    const trade: Trade = {
      entryBar,
      exitBar: bar,
      entryTime: time[entryBar],
      exitTime: time[bar],
      units,
      entryPrice,
      exitPrice: price,
      entryCommission,
      exitCommission,
      pnl: gross - entryCommission - exitCommission,
      returnPct: tradeReturn(units, entryPrice, price, entryCommission + exitCommission),
    };
    units = 0;
    return trade;
  };

  const fill = (target: number, price: number, bar: number) => {
    // A reversal closes the open trade first, at the same fill price.
    if (units !== 0 && Math.sign(units) !== target) trades.push(closeTrade(price, bar));
    if (target !== 0 && units === 0) {
      const size = allInUnits(cash, price, commission);
      if (size > 0) {
        units = target * size;
        entryPrice = price;
        entryBar = bar;
        entryCommission = size * price * commission;
        cash -= entryCommission;
      }
    }
  };

  let i = start;
  for (; i < n; i++) {
    if (pending !== NO_ORDER) {
      // Market orders fill at the next bar's open, or at the signal bar's close.
      if (tradeOnClose) fill(pending, close[i - 1], i - 1);
      else fill(pending, open[i], i);
      pending = NO_ORDER;
    }
    const value = cash + units * (close[i] - entryPrice);
    equity[i] = value;
    if (value <= 0) {
      // Out of money: backtesting.py closes at this close and zeroes the rest of the curve.
      if (units !== 0) trades.push(closeTrade(close[i], i));
      cash = 0;
      equity.fill(0, i);
      break;
    }
    // An order placed at the last bar has no next bar: only finalizeTrades fills it.
    if (e < signals.count && signals.bars[e] === i) {
      pending = orders[signals.bits[e] * 3 + positionSlot(units)];
      e++;
    }
  }

  const last = n - 1;
  if (i === n && options.finalizeTrades && start < n) {
    // backtesting.py's finalize_trades places a close order for the open trade, then runs
    // its broker once more on the last bar with that bar's prices: orders fill at the last
    // open, or under trade-on-close at the previous bar's close (bar last - 1). The close
    // order comes first, then any order the strategy placed on the last bar, whose trade
    // stays open.
    const price = tradeOnClose ? close[last - 1] : open[last];
    const bar = tradeOnClose ? last - 1 : last;
    if (units !== 0) trades.push(closeTrade(price, bar));
    if (pending !== NO_ORDER) fill(pending, price, bar);
    // The re-run marks the last bar again and checks for ruin as every bar does.
    const value = cash + units * (close[last] - entryPrice);
    equity[last] = value;
    if (value <= 0) {
      if (units !== 0) trades.push(closeTrade(close[last], last));
      cash = 0;
      equity[last] = 0;
    }
  }

  let openTrade: Trade | undefined;
  if (units !== 0 && i === n) {
    const c = close[last];
    openTrade = {
      entryBar,
      exitBar: last,
      entryTime: time[entryBar],
      exitTime: time[last],
      units,
      entryPrice,
      exitPrice: c,
      entryCommission,
      exitCommission: 0,
      pnl: units * (c - entryPrice) - entryCommission,
      returnPct: tradeReturn(units, entryPrice, c, entryCommission),
    };
  }
  return { equity, trades, openTrade, start };
}

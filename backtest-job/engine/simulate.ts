// The broker loop of a single backtest: fills, sizing, cash and the equity curve.
// Every rule follows docs/execution-model.md (backtesting.py 0.6.6's default model).
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
    // An order placed at the last bar has no next bar to fill at, so none is placed.
    if (e < signals.count && signals.bars[e] === i) {
      if (i < n - 1) pending = orders[signals.bits[e] * 3 + positionSlot(units)];
      e++;
    }
  }

  let openTrade: Trade | undefined;
  if (units !== 0 && i === n) {
    const last = n - 1;
    if (options.finalizeTrades) {
      // finalize_trades closes at the last bar's open, and the final equity is the cash.
      trades.push(closeTrade(open[last], last));
      // backtesting.py checks for ruin once more after that close.
      equity[last] = Math.max(cash, 0);
    } else {
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
  }
  return { equity, trades, openTrade, start };
}

// The broker loop of a single backtest: fills, sizing, cash and the equity curve.
// Every rule follows backtesting.py 0.6.6's default model (docs/decisions/0003-execution-model.md).
import type { Bars } from "./bars.ts";
import type { BacktestOptions } from "./options.ts";
import {
  ALL_IN,
  bracketExit,
  type OrderRules,
  stopLossPrice,
  takeProfitPrice,
} from "./order-rules.ts";
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
 * Python's float floor division `a // b` for a >= 0 and b > 0 (CPython `float_floor_div`):
 * the floor of the exact quotient, where `Math.floor(a / b)` may round up first.
 */
export function floorDiv(a: number, b: number): number {
  const mod = a % b; // fmod, exact
  const div = (a - mod) / b;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

/**
 * Whole units an entry of `size` (a fraction of equity in (0, 1]) buys at `price`; 0 means
 * the broker cancels the order. 1 is the all-in default ({@link allInUnits}); below 1 it is
 * backtesting.py 0.6.6's relative size (`_Broker._process_orders`): the margin available
 * (the cash, as no trade is open when an entry fills) times `size`, floor-divided by the price
 * plus commission per unit, `price + commission(size, price) / size`, operand for operand.
 */
export function entryUnits(cash: number, price: number, commission: number, size: number): number {
  if (size === 1) return allInUnits(cash, price, commission);
  const margin = Math.max(cash, 0);
  const perUnit = price + (size * price * commission) / size;
  const units = floorDiv(margin * size, perUnit);
  // backtesting.py cancels an order whose units the margin cannot cover.
  return units * perUnit > margin ? 0 : units;
}

/**
 * Runs the broker over the strategy's `signals` from bar `start` on.
 * The loop mirrors backtesting.py: at each bar, orders from the previous bar fill first,
 * then the open trade's stop-loss and take-profit are checked against the bar's range, then
 * equity is marked at the close, then the strategy's signal places the next order. `rules`
 * size each entry and bracket it (docs/decisions/0046-orders-sizing-stops.md).
 */
export function simulate(
  bars: Bars,
  signals: SignalBuffer,
  start: number,
  options: BacktestOptions,
  rules: OrderRules = ALL_IN,
): Simulation {
  const { open, high, low, close, time } = bars;
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
  // The open trade's stop-loss and take-profit prices; NaN for none, which no bar hits.
  let stopLoss = Number.NaN;
  let takeProfit = Number.NaN;
  const bracketed = rules.stopLoss !== undefined || rules.takeProfit !== undefined;
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

  const fill = (target: number, price: number, bar: number, signalBar: number) => {
    // A reversal closes the open trade first, at the same fill price: the strategy's
    // position.close() order sits ahead of its new entry, and closing a trade cancels its
    // stop-loss and take-profit orders (backtesting.py `_close_trade`).
    if (units !== 0 && Math.sign(units) !== target) trades.push(closeTrade(price, bar));
    if (target !== 0 && units === 0) {
      const size = entryUnits(cash, price, commission, rules.size);
      if (size > 0) {
        units = target * size;
        entryPrice = price;
        entryBar = bar;
        entryCommission = size * price * commission;
        cash -= entryCommission;
        // The bracket's prices come from the signal bar's close, where buy(sl=, tp=) ran.
        stopLoss = stopLossPrice(rules, target, close, signalBar);
        takeProfit = takeProfitPrice(rules, target, close, signalBar);
      }
    }
  };

  // The open trade's stop-loss and take-profit against bar i: `bracketExit` holds
  // backtesting.py's rules (which goes first, touch, gaps); the trade exits on this bar.
  const bracket = (i: number) => {
    const price = bracketExit(open, high, low, i, units, stopLoss, takeProfit);
    if (!Number.isNaN(price)) trades.push(closeTrade(price, i));
  };

  let i = start;
  for (; i < n; i++) {
    if (pending !== NO_ORDER) {
      // Market orders fill at the next bar's open, or at the signal bar's close; they sit
      // ahead of any stop-loss or take-profit in the queue.
      if (tradeOnClose) fill(pending, close[i - 1], i - 1, i - 1);
      else fill(pending, open[i], i, i - 1);
      pending = NO_ORDER;
    }
    // A trade the market order just opened is bracketed in this very bar: backtesting.py
    // re-processes the new SL/TP orders after a market entry (its issue 119), under
    // trade-on-close too, where the entry took the previous close and the bracket meets
    // this bar's range.
    if (bracketed) bracket(i);
    // backtesting.py's arithmetic: `cash + (last_price * position_size - size * entry)`
    // (`_Broker.equity`), not `units * (close - entry)`: the last bit decides ties with the
    // equity peak, where drawdown periods start.
    const value = cash + (close[i] * units - units * entryPrice);
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
    if (pending !== NO_ORDER) {
      fill(pending, price, bar, last);
      // The re-run re-processes the new trade's bracket against the last bar, as any bar's
      // market entry (issue 119); a hit closes the trade on the last bar.
      if (bracketed) bracket(last);
    }
    // The re-run marks the last bar again and checks for ruin as every bar does.
    const value = cash + (close[last] * units - units * entryPrice);
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

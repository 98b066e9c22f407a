// The sweep's hot loop: the broker of simulate.ts fused with online summary statistics.
// It must agree with simulate.ts + stats.ts (sweep-kernel.test.ts proves it); every fill
// rule here mirrors simulate.ts and is commented where it is applied.
import type { Bars } from "./bars.ts";
import type { Calendar } from "./calendar.ts";
import type { BacktestOptions } from "./options.ts";
import {
  ALL_IN,
  bracketBar,
  bracketExit,
  type OrderRules,
  stopLossPrice,
  takeProfitPrice,
} from "./order-rules.ts";
import { NO_ORDER, orderTable, positionSlot, type SignalBuffer } from "./signals.ts";
import { entryUnits } from "./simulate.ts";
import { SUMMARY_STATS } from "./summary.ts";
import { TradeTally } from "./trade-tally.ts";

// Column of each summary statistic in a row of the output.
const S_EQUITY_FINAL = SUMMARY_STATS.indexOf("equityFinal");
const S_RETURN = SUMMARY_STATS.indexOf("returnPct");
const S_MAX_DRAWDOWN = SUMMARY_STATS.indexOf("maxDrawdownPct");
const S_SHARPE = SUMMARY_STATS.indexOf("sharpeRatio");
const S_SORTINO = SUMMARY_STATS.indexOf("sortinoRatio");
const S_TRADES = SUMMARY_STATS.indexOf("trades");
const S_WIN_RATE = SUMMARY_STATS.indexOf("winRatePct");
const S_PROFIT_FACTOR = SUMMARY_STATS.indexOf("profitFactor");
const S_EXPOSURE = SUMMARY_STATS.indexOf("exposureTimePct");

/** Per-sweep inputs of the kernel, built once by {@link kernelSetup}. */
export interface KernelSetup {
  readonly bars: Bars;
  readonly calendar: Calendar;
  readonly options: BacktestOptions;
  /** `orderTable(mode)`. */
  readonly orders: Int8Array;
  /** Reused for every combination. */
  readonly tally: TradeTally;
}

/** Builds the kernel's per-sweep inputs. */
export function kernelSetup(bars: Bars, calendar: Calendar, options: BacktestOptions): KernelSetup {
  const orders = orderTable(options.mode === "long-only");
  return { bars, calendar, options, orders, tally: new TradeTally() };
}

/**
 * Simulates the `signals` from bar `start`, with entries sized and bracketed by `rules`,
 * and writes the summary statistics, in SUMMARY_STATS order, to `out` from `offset`.
 * Allocates nothing, per bar or per call.
 *
 * Bars between events only mark equity, so they run in a tight inner loop that V8 keeps in
 * registers; fills, trade accounting and finalize_trades happen in the outer loop, once
 * per event. Returns false, writing nothing, when the account is ruined: that rare path is
 * left to the full simulation, whose statistics handle the zeroed equity tail. A trade's
 * stop-loss and take-profit are found by one scan of its bars when it opens, so the bar
 * they close it on is one more event and the marking loop stays as tight as all-in.
 */
export function kernelSummary(
  setup: KernelSetup,
  signals: SignalBuffer,
  start: number,
  out: Float64Array,
  offset: number,
  rules: OrderRules = ALL_IN,
): boolean {
  const { bars, calendar, options, orders, tally } = setup;
  const open = bars.open;
  const high = bars.high;
  const low = bars.low;
  const close = bars.close;
  const periodEnd = calendar.periodEnd;
  const n = bars.length;
  const evBars = signals.bars;
  const evBits = signals.bits;
  const evCount = signals.count;
  const commission = options.commission;
  const tradeOnClose = options.tradeOnClose;
  const size = rules.size;
  const bracketed = rules.stopLoss !== undefined || rules.takeProfit !== undefined;
  // Unary plus types the cash as a double: a small-integer cash would otherwise give the
  // running figures a boxed representation in V8, allocating on every bar.
  const cash0 = +options.cash;
  tally.reset();
  // finalize_trades acts on the last bar after its fills, before that bar is marked.
  let finalizeBar = options.finalizeTrades ? n - 1 : n;

  let cash = cash0;
  let units = 0;
  let entryPrice = 0;
  let entryBar = -1;
  let entryCommission = 0;
  // The open trade's stop-loss and take-profit (NaN for none), and the bar they close it on
  // (n: never, or no trade).
  let stopLoss = Number.NaN;
  let takeProfit = Number.NaN;
  let exitBar = n;
  let equity = cash0;
  let peak = cash0;
  let maxDrawdown = 0;
  let ddFloor = cash0; // equity below peak * (1 - maxDrawdown) means a deeper drawdown
  // Bars before `start` hold the starting cash, so their period returns are 0.
  let periodEnds = calendar.periodEndsBefore[start];
  let firstPeriodEquity = cash0;
  let prevPeriodEquity = cash0;
  // Without a period end before `start`, the first one has no return. The outer loop stops
  // there and primes prevPeriodEquity with that bar's equity, so the inner loop adds an
  // exact 0 instead of testing for this case on every bar.
  let firstPeriodBar = n;
  if (periodEnds === 0) {
    firstPeriodBar = start;
    while (firstPeriodBar < n && periodEnd[firstPeriodBar] === 0) firstPeriodBar++;
  }
  let sumR = 0;
  let sumR2 = 0;
  let sumDown2 = 0;

  let e = 0;
  while (e < evCount && evBars[e] < start) e++;
  let i = start;
  for (;;) {
    // Market orders fill on the bar after their signal; an order placed at the last bar
    // would fill at n, which never comes.
    const fillBar = e < evCount ? evBars[e] + 1 : n;
    let stop = Math.min(fillBar, finalizeBar);
    if (firstPeriodBar < stop) stop = firstPeriodBar;
    if (exitBar < stop) stop = exitBar;
    // Equity is marked with backtesting.py's arithmetic, `cash + (close * size - size *
    // entry)`, so a tie with the peak falls as it does there (drawdown periods start at it).
    const basis = units * entryPrice;
    for (; i < stop; i++) {
      equity = cash + (close[i] * units - basis);
      if (equity > peak) {
        peak = equity;
        ddFloor = peak * (1 - maxDrawdown);
      } else if (equity < ddFloor) {
        maxDrawdown = 1 - equity / peak;
        ddFloor = equity;
        // Equity <= 0 is a drawdown of 100 % or more: the account is ruined.
        if (maxDrawdown >= 1) return false;
      }
      if (periodEnd[i] === 1) {
        const r = equity / prevPeriodEquity - 1;
        sumR += r;
        sumR2 += r * r;
        // r - |r| is 2r for a loss and 0 otherwise: no branch on the return's sign.
        const down = 0.5 * (r - Math.abs(r));
        sumDown2 += down * down;
        periodEnds++;
        prevPeriodEquity = equity;
      }
    }
    if (i >= n) break;
    if (i === fillBar) {
      // The order is decided by the position at the signal bar, which no fill has changed.
      const target = orders[evBits[e] * 3 + positionSlot(units)];
      e++;
      if (target !== NO_ORDER) {
        // Market orders fill at this bar's open, or at the signal bar's close.
        const price = tradeOnClose ? close[i - 1] : open[i];
        const bar = tradeOnClose ? i - 1 : i;
        // A reversal closes the open trade first, at the same fill price, and cancels its
        // stop-loss and take-profit.
        if (units !== 0 && (units > 0 ? 1 : -1) !== target) {
          const exitCommission = Math.abs(units) * price * commission;
          cash += units * (price - entryPrice) - exitCommission;
          tally.add(units, entryPrice, price, entryCommission, exitCommission, entryBar, bar);
          units = 0;
          exitBar = n;
        }
        if (target !== 0 && units === 0) {
          const bought = entryUnits(cash, price, commission, size);
          if (bought > 0) {
            units = target * bought;
            entryPrice = price;
            entryBar = bar;
            entryCommission = bought * price * commission;
            cash -= entryCommission;
            if (bracketed) {
              // Levels from the signal bar's close; the bracket meets this very bar's range
              // (backtesting.py re-processes it after a market entry, its issue 119).
              stopLoss = stopLossPrice(rules, target, close, i - 1);
              takeProfit = takeProfitPrice(rules, target, close, i - 1);
              exitBar = bracketBar(high, low, i, n, units, stopLoss, takeProfit);
            }
          }
        }
      }
    }
    if (i === exitBar) {
      // The stop-loss or take-profit fills on this bar (order-rules.ts `bracketExit`), after
      // any market order, which sits ahead of it in backtesting.py's queue.
      exitBar = n;
      const price = bracketExit(open, high, low, i, units, stopLoss, takeProfit);
      const exitCommission = Math.abs(units) * price * commission;
      cash += units * (price - entryPrice) - exitCommission;
      tally.add(units, entryPrice, price, entryCommission, exitCommission, entryBar, i);
      units = 0;
    }
    if (i === finalizeBar) {
      finalizeBar = n;
      // backtesting.py marks the last bar and checks for ruin before it finalizes.
      if (cash + (close[i] * units - units * entryPrice) <= 0) return false;
      // Its finalize re-runs the broker on the last bar with that bar's prices: fills at
      // the last open, or under trade-on-close at the previous close (bar i - 1). The close
      // of the open trade comes first, then the order of a signal on the last bar, decided
      // by the position the strategy saw; the trade that order opens stays open.
      const price = tradeOnClose ? close[i - 1] : open[i];
      const bar = tradeOnClose ? i - 1 : i;
      const target =
        e < evCount && evBars[e] === i ? orders[evBits[e] * 3 + positionSlot(units)] : NO_ORDER;
      if (units !== 0) {
        const exitCommission = Math.abs(units) * price * commission;
        cash += units * (price - entryPrice) - exitCommission;
        tally.add(units, entryPrice, price, entryCommission, exitCommission, entryBar, bar);
        units = 0;
        exitBar = n;
      }
      if (target !== NO_ORDER && target !== 0) {
        const bought = entryUnits(cash, price, commission, size);
        if (bought > 0) {
          units = target * bought;
          entryPrice = price;
          entryBar = bar;
          entryCommission = bought * price * commission;
          cash -= entryCommission;
          if (bracketed) {
            // The re-run re-processes the new trade's bracket against the last bar too.
            stopLoss = stopLossPrice(rules, target, close, i);
            takeProfit = takeProfitPrice(rules, target, close, i);
            const exit = bracketExit(open, high, low, i, units, stopLoss, takeProfit);
            if (!Number.isNaN(exit)) {
              const exitCommission = Math.abs(units) * exit * commission;
              cash += units * (exit - entryPrice) - exitCommission;
              tally.add(units, entryPrice, exit, entryCommission, exitCommission, entryBar, i);
              units = 0;
            }
          }
        }
      }
      // The inner loop then marks the last bar, and a ruin there takes the full path.
    }
    if (i === firstPeriodBar) {
      firstPeriodBar = n;
      firstPeriodEquity = cash + (close[i] * units - units * entryPrice);
      prevPeriodEquity = firstPeriodEquity;
    }
  }

  const D = calendar.annualPeriods;
  const returns = periodEnds - 1;
  // The geometric mean of 1 + r telescopes to the ratio of the last and first period
  // equity (equity stays positive here: a ruined account took the full path above).
  const g = (prevPeriodEquity / firstPeriodEquity) ** (1 / returns) - 1;
  const returnAnn = (1 + g) ** D - 1;
  const variance = returns >= 2 ? (sumR2 - (sumR * sumR) / returns) / (returns - 1) : Number.NaN;
  const volatilityAnn = Math.sqrt((Math.max(variance, 0) + (1 + g) ** 2) ** D - (1 + g) ** (2 * D));
  const downsideDev = Math.sqrt(returns > 0 ? sumDown2 / returns : Number.NaN) * Math.sqrt(D);
  const { trades, wins, gains, losses, coveredBars } = tally;
  out[offset + S_EQUITY_FINAL] = equity;
  out[offset + S_RETURN] = (equity / cash0 - 1) * 100;
  out[offset + S_MAX_DRAWDOWN] = maxDrawdown ? -maxDrawdown * 100 : 0;
  out[offset + S_SHARPE] =
    volatilityAnn === 0 || Number.isNaN(volatilityAnn) ? Number.NaN : returnAnn / volatilityAnn;
  out[offset + S_SORTINO] = returnAnn / downsideDev;
  out[offset + S_TRADES] = trades;
  out[offset + S_WIN_RATE] = trades ? (wins / trades) * 100 : Number.NaN;
  out[offset + S_PROFIT_FACTOR] = losses === 0 ? Number.NaN : gains / -losses;
  out[offset + S_EXPOSURE] = (coveredBars / n) * 100;
  return true;
}

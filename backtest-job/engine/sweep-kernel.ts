// The sweep's hot loop: the broker of simulate.ts fused with online summary statistics.
// It must agree with simulate.ts + stats.ts (sweep-kernel.test.ts proves it): every fill
// rule here mirrors simulate.ts and is commented where it is applied.
import type { Bars } from "./bars.ts";
import type { Calendar } from "./calendar.ts";
import type { BacktestOptions } from "./options.ts";
import { NO_ORDER, targetFor } from "./signals.ts";
import { allInUnits } from "./simulate.ts";
import type { SummaryStat } from "./summary.ts";
import { TradeTally } from "./trade-tally.ts";

/** The summary figures of one combination, without its params. */
export type Summary = { [K in SummaryStat]: number };

/**
 * Simulates `signals` from bar `start` and returns the summary statistics, allocating
 * nothing per bar. Returns `undefined` when the account runs out of money: that rare path
 * is left to the full simulation, whose statistics handle the zeroed equity tail.
 */
export function kernelSummary(
  bars: Bars,
  calendar: Calendar,
  signals: Uint8Array,
  start: number,
  options: BacktestOptions,
): Summary | undefined {
  const open = bars.open;
  const close = bars.close;
  const periodEnd = calendar.periodEnd;
  const n = bars.length;
  const last = n - 1;
  const { commission, tradeOnClose, finalizeTrades, cash: cash0 } = options;
  const longOnly = options.mode === "long-only";
  const tally = new TradeTally();

  let cash = cash0;
  let units = 0;
  let entryPrice = 0;
  let entryBar = -1;
  let entryCommission = 0;
  let pending = NO_ORDER;
  let equity = cash0;

  // Equity statistics; bars before `start` hold the starting cash.
  let peak = cash0;
  let maxDrawdown = 0;
  let ddFloor = cash0; // equity below peak * (1 - maxDrawdown) means a deeper drawdown
  let periodEnds = calendar.periodEndsBefore[start];
  let firstPeriodEquity = cash0;
  let prevPeriodEquity = cash0;
  let sumR = 0;
  let sumR2 = 0;
  let sumDown2 = 0;

  for (let i = start; i < n; i++) {
    if (pending !== NO_ORDER) {
      // Market orders fill at the next bar's open, or at the signal bar's close.
      const price = tradeOnClose ? close[i - 1] : open[i];
      const bar = tradeOnClose ? i - 1 : i;
      // A reversal closes the open trade first, at the same fill price.
      if (units !== 0 && (units > 0 ? 1 : -1) !== pending) {
        const exitCommission = Math.abs(units) * price * commission;
        cash += units * (price - entryPrice) - exitCommission;
        tally.add(units, entryPrice, price, entryCommission, exitCommission, entryBar, bar);
        units = 0;
      }
      if (pending !== 0 && units === 0) {
        const size = allInUnits(cash, price, commission);
        if (size > 0) {
          units = pending * size;
          entryPrice = price;
          entryBar = bar;
          entryCommission = size * price * commission;
          cash -= entryCommission;
        }
      }
      pending = NO_ORDER;
    }
    equity = cash + units * (close[i] - entryPrice);
    if (equity <= 0) return undefined;
    if (i === last && finalizeTrades && units !== 0) {
      // finalize_trades closes at the last bar's open; the final equity is the cash.
      const price = open[last];
      const exitCommission = Math.abs(units) * price * commission;
      cash += units * (price - entryPrice) - exitCommission;
      tally.add(units, entryPrice, price, entryCommission, exitCommission, entryBar, last);
      units = 0;
      equity = cash;
      if (equity <= 0) return undefined;
    }
    if (equity > peak) {
      peak = equity;
      ddFloor = peak * (1 - maxDrawdown);
    } else if (equity < ddFloor) {
      maxDrawdown = 1 - equity / peak;
      ddFloor = equity;
    }
    if (periodEnd[i] === 1) {
      if (periodEnds > 0) {
        const r = equity / prevPeriodEquity - 1;
        sumR += r;
        sumR2 += r * r;
        if (r < 0) sumDown2 += r * r;
      } else firstPeriodEquity = equity;
      periodEnds++;
      prevPeriodEquity = equity;
    }
    // An order placed at the last bar has no next bar to fill at, so none is placed.
    if (signals[i] !== 0 && i < last) pending = targetFor(signals[i], Math.sign(units), longOnly);
  }

  const D = calendar.annualPeriods;
  const returns = periodEnds - 1;
  // The geometric mean of 1 + r telescopes to the ratio of the last and first period equity
  // (equity stays positive here: a ruined account took the full path above).
  const g = (prevPeriodEquity / firstPeriodEquity) ** (1 / returns) - 1;
  const returnAnn = (1 + g) ** D - 1;
  const variance = returns >= 2 ? (sumR2 - (sumR * sumR) / returns) / (returns - 1) : Number.NaN;
  const volatilityAnn = Math.sqrt((Math.max(variance, 0) + (1 + g) ** 2) ** D - (1 + g) ** (2 * D));
  const downsideDev = Math.sqrt(returns > 0 ? sumDown2 / returns : Number.NaN) * Math.sqrt(D);
  return {
    equityFinal: equity,
    returnPct: (equity / cash0 - 1) * 100,
    maxDrawdownPct: maxDrawdown ? -maxDrawdown * 100 : 0,
    sharpeRatio:
      volatilityAnn === 0 || Number.isNaN(volatilityAnn) ? Number.NaN : returnAnn / volatilityAnn,
    sortinoRatio: returnAnn / downsideDev,
    trades: tally.trades,
    winRatePct: tally.trades ? (tally.wins / tally.trades) * 100 : Number.NaN,
    profitFactor: tally.losses === 0 ? Number.NaN : tally.gains / Math.abs(tally.losses),
    exposureTimePct: (tally.coveredBars / n) * 100,
  };
}

// One backtest of one parameter combination, with every statistic, trade and equity point.
import type { Bars } from "./bars.ts";
import { type Calendar, calendarOf } from "./calendar.ts";
import { InvalidParams } from "./errors.ts";
import { IndicatorCache } from "./indicator-cache.ts";
import {
  type BacktestOptions,
  type BacktestOptionsInput,
  BacktestOptionsSchema,
} from "./options.ts";
import { ALL_IN } from "./order-rules.ts";
import { signalBuffer } from "./signals.ts";
import { simulate } from "./simulate.ts";
import { computeStats, type Stats } from "./stats.ts";
import { type AnyStrategy, describeIssues, type Params, parseParams } from "./strategy.ts";
import type { Trade } from "./trade.ts";

/** The full outcome of one backtest. */
export interface BacktestResult {
  readonly params: Params;
  readonly stats: Stats;
  readonly trades: Trade[];
  readonly openTrade: Trade | undefined;
  readonly equity: Float64Array;
  /** First bar the strategy was evaluated at. */
  readonly start: number;
}

/** Validates options, applying backtesting.py's defaults; throws {@link InvalidParams}. */
export function parseOptions(input: BacktestOptionsInput | undefined): BacktestOptions {
  const result = BacktestOptionsSchema.safeParse(input ?? {});
  if (!result.success) throw new InvalidParams(`invalid options: ${describeIssues(result.error)}`);
  return result.data;
}

/** Shared per-data-set state, so repeated backtests on the same bars reuse indicators. */
export interface BacktestContext {
  readonly bars: Bars;
  readonly calendar: Calendar;
  readonly indicators: IndicatorCache;
}

/** Builds the per-data-set context; requires at least two bars. */
export function backtestContext(bars: Bars): BacktestContext {
  if (bars.length < 2) throw new InvalidParams(`need at least 2 bars, got ${bars.length}`);
  return { bars, calendar: calendarOf(bars.time), indicators: new IndicatorCache(bars) };
}

/**
 * Runs `strategy` with `params` over the context's bars.
 * @example runBacktest(backtestContext(bars), smaCrossover, { fast: 10, slow: 20 }, { commission: 0.002 })
 */
export function runBacktest(
  ctx: BacktestContext,
  strategy: AnyStrategy,
  rawParams: unknown,
  rawOptions?: BacktestOptionsInput,
): BacktestResult {
  const params = parseParams(strategy, rawParams);
  const options = parseOptions(rawOptions);
  const signals = signalBuffer(ctx.bars.length);
  const start = Math.min(strategy.signals(ctx.indicators, params, signals) + 1, ctx.bars.length);
  const rules = strategy.orders?.(ctx.indicators, params) ?? ALL_IN;
  const sim = simulate(ctx.bars, signals, start, options, rules);
  const stats = computeStats({
    bars: ctx.bars,
    calendar: ctx.calendar,
    equity: sim.equity,
    trades: sim.trades,
    start,
  });
  return { params, stats, trades: sim.trades, openTrade: sim.openTrade, equity: sim.equity, start };
}

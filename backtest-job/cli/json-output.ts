// The JSON documents that `backtest --json` and `sweep --json` print: the CLI's output contract.
import type { BacktestResult } from "../engine/backtest.ts";
import { STAT_NAMES, type Stats } from "../engine/stats.ts";
import type { Params } from "../engine/strategy.ts";
import type { SummaryRow } from "../engine/summary.ts";
import type { TopResult } from "../engine/sweep.ts";
import type { Trade } from "../engine/trade.ts";
import type { SweepOutcome } from "../sweep-pool.ts";

/** One trade as printed: ISO-8601 times, `returnPct` in percent like every *Pct statistic. */
export interface TradeJson {
  readonly entryBar: number;
  readonly exitBar: number;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly units: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly pnl: number;
  readonly returnPct: number;
}

/** `backtest --json`: `{"params", "stats", "trades"}`. */
export interface BacktestJson {
  readonly params: Params;
  /** Every field of Stats, in report order. */
  readonly stats: Stats;
  readonly trades: TradeJson[];
}

/** A fully re-run combination: `equityCurve` holds [ISO time, equity] pairs. */
export interface TopResultJson {
  readonly params: Params;
  readonly stats: Stats;
  readonly trades: TradeJson[];
  readonly equityCurve: [string, number][];
}

/** `sweep --json`: the run's counters, the top summary rows and the best one in full. */
export interface SweepJson {
  readonly combinations: number;
  readonly evaluated: number;
  readonly elapsedMs: number;
  readonly barEvaluationsPerSecond: number;
  /** `{"params", ...the summary statistics}`, best first. */
  readonly results: SummaryRow[];
  /** The first of the re-run top results, or null when the sweep kept no rows. */
  readonly best: TopResultJson | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A trade for output. */
export function tradeJson(trade: Trade): TradeJson {
  return {
    entryBar: trade.entryBar,
    exitBar: trade.exitBar,
    entryTime: iso(trade.entryTime),
    exitTime: iso(trade.exitTime),
    units: trade.units,
    entryPrice: trade.entryPrice,
    exitPrice: trade.exitPrice,
    pnl: trade.pnl,
    // The engine's Trade.returnPct is a fraction (backtesting.py's pl_pct); the CLI prints
    // percent so it reads the same as bestTradePct, avgTradePct and the other *Pct figures.
    returnPct: trade.returnPct * 100,
  };
}

/** Stats with keys in STAT_NAMES order, so the JSON reads like the report. */
function orderedStats(stats: Stats): Stats {
  return Object.fromEntries(STAT_NAMES.map((name) => [name, stats[name]])) as unknown as Stats;
}

/** The `backtest --json` document; closed trades only, as the statistics count them. */
export function backtestJson(result: BacktestResult): BacktestJson {
  return {
    params: result.params,
    stats: orderedStats(result.stats),
    trades: result.trades.map(tradeJson),
  };
}

function topResultJson(top: TopResult): TopResultJson {
  return {
    params: top.params,
    stats: orderedStats(top.stats),
    trades: top.trades.map(tradeJson),
    equityCurve: top.equityCurve.map(([time, equity]) => [iso(time), equity]),
  };
}

/** The `sweep --json` document. */
export function sweepJson(outcome: SweepOutcome): SweepJson {
  return {
    combinations: outcome.combinations,
    evaluated: outcome.evaluated,
    elapsedMs: outcome.elapsedMs,
    barEvaluationsPerSecond: outcome.barEvaluationsPerSecond,
    results: outcome.results,
    best: outcome.top.length ? topResultJson(outcome.top[0]) : null,
  };
}

/**
 * One JSON document and a newline. NaN and ±Infinity become `null`: JSON has no such numbers,
 * and JSON.stringify serialises every non-finite number as null (ECMA-262 SerializeJSONProperty).
 */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

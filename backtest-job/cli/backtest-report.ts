// The human-readable report of one backtest: its parameters, every statistic, the trades.
import type { BacktestResult } from "../engine/backtest.ts";
import { STAT_NAMES } from "../engine/stats.ts";
import type { Params } from "../engine/strategy.ts";
import { formatKeyValues, formatNumber, formatTable, formatTime } from "./format-table.ts";

/** `fast=10 slow=20`. */
export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
}

/** The statistics as aligned `name  value` lines, then a table of the closed trades. */
export function backtestReport(strategy: string, result: BacktestResult): string {
  const head = formatKeyValues([
    ["strategy", strategy],
    ["params", formatParams(result.params)],
  ]);
  const stats = formatKeyValues(
    STAT_NAMES.map((name) => {
      const value = result.stats[name];
      return [name, typeof value === "number" ? formatNumber(value) : value] as const;
    }),
  );
  const right = "right" as const;
  const trades = formatTable(
    [
      { title: "entry time" },
      { title: "exit time" },
      { title: "units", align: right },
      { title: "entry price", align: right },
      { title: "exit price", align: right },
      { title: "pnl", align: right },
      { title: "return %", align: right },
    ],
    result.trades.map((t) => [
      formatTime(t.entryTime),
      formatTime(t.exitTime),
      formatNumber(t.units),
      formatNumber(t.entryPrice),
      formatNumber(t.exitPrice),
      formatNumber(t.pnl),
      // Trade.returnPct is a fraction; the column is in percent like the statistics.
      formatNumber(t.returnPct * 100),
    ]),
  );
  const open = result.openTrade
    ? `\nstill open at the end (not counted): ${formatNumber(result.openTrade.units)} units from ${formatTime(result.openTrade.entryTime)}\n`
    : "";
  return `${head}\n${stats}\ntrades (${result.trades.length})\n${trades}${open}`;
}

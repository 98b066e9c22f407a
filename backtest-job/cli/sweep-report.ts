// The human-readable report of a sweep: what ran, how fast, and the best rows.
import { SUMMARY_STATS } from "../engine/summary.ts";
import type { SweepOutcome } from "../sweep-pool.ts";
import { formatParams } from "./backtest-report.ts";
import { formatKeyValues, formatNumber, formatTable } from "./format-table.ts";

/** Counters as `name  value` lines, then the top rows ranked, one column per summary stat. */
export function sweepReport(strategy: string, sort: string, outcome: SweepOutcome): string {
  const head = formatKeyValues([
    ["strategy", strategy],
    ["combinations", String(outcome.combinations)],
    ["evaluated", String(outcome.evaluated)],
    ["elapsed", `${formatNumber(outcome.elapsedMs / 1000)} s`],
    ["bar evaluations/s", formatNumber(Math.round(outcome.barEvaluationsPerSecond))],
    ["sorted by", sort],
  ]);
  const table = formatTable(
    [
      { title: "rank", align: "right" },
      { title: "params" },
      ...SUMMARY_STATS.map((name) => ({ title: name, align: "right" as const })),
    ],
    outcome.results.map((row, k) => [
      String(k + 1),
      formatParams(row.params),
      ...SUMMARY_STATS.map((name) => formatNumber(row[name])),
    ]),
  );
  return `${head}\n${table}`;
}

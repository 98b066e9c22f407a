// The table of stored combinations that `results` and `submit` print: params, then statistics.
import type { SummaryStat } from "../engine/summary.ts";
import type { ResultRow } from "./api-responses.ts";
import { formatStat } from "./format-run.ts";
import { type Column, formatNumber, formatTable } from "./format-table.ts";

/** The statistics a results table shows: the summary ones that fit an 80-column terminal. */
export const MAIN_STATS = [
  "equityFinal",
  "returnPct",
  "maxDrawdownPct",
  "sharpeRatio",
  "trades",
  "winRatePct",
] as const satisfies readonly SummaryStat[];

/**
 * One line per combination: its index, its parameters, then {@link MAIN_STATS}, plus `sort`
 * at the end when the rows are ordered by a statistic not among those.
 */
export function resultsTable(rows: readonly ResultRow[], sort?: string): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  const stats: string[] = [...MAIN_STATS];
  if (sort !== undefined && !stats.includes(sort)) stats.push(sort);
  const right = (title: string): Column => ({ title, align: "right" });
  return formatTable(
    [right("#"), ...names.map(right), ...stats.map(right)],
    rows.map((r) => [
      String(r.comboIndex),
      ...names.map((n) => (n in r.params ? formatNumber(r.params[n]) : "-")),
      ...stats.map((s) => formatStat(r.stats[s])),
    ]),
  );
}

// The summary row a sweep keeps for each combination, and the statistics it may sort by.
import type { Params } from "./strategy.ts";

/** Statistics a sweep computes for every combination (names as in stats.ts). */
export const SUMMARY_STATS = [
  "equityFinal",
  "returnPct",
  "maxDrawdownPct",
  "sharpeRatio",
  "sortinoRatio",
  "trades",
  "winRatePct",
  "profitFactor",
  "exposureTimePct",
] as const;

export type SummaryStat = (typeof SUMMARY_STATS)[number];

/** One combination's summary. */
export type SummaryRow = { readonly params: Params } & { readonly [K in SummaryStat]: number };

/** Whether `name` is a statistic that sweeps can sort by. */
export function isSummaryStat(name: string): name is SummaryStat {
  return (SUMMARY_STATS as readonly string[]).includes(name);
}

/**
 * Orders rows by `stat`, best first for `desc` (the default); NaN always sorts last.
 * Ties keep enumeration order, so results are deterministic.
 */
export function compareRows(stat: SummaryStat, order: "asc" | "desc" = "desc") {
  const sign = order === "desc" ? -1 : 1;
  return (a: SummaryRow, b: SummaryRow): number => {
    const x = a[stat];
    const y = b[stat];
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return x === y ? 0 : x < y ? -sign : sign;
  };
}

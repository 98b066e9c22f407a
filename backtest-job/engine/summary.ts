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

/** Number of statistics in one summary row. */
export const SUMMARY_WIDTH = SUMMARY_STATS.length;

/**
 * The summary rows of a sweep, stored flat so that a sweep allocates nothing per
 * combination and a worker can transfer its rows without copying:
 * `stats[k * SUMMARY_WIDTH + j]` is `SUMMARY_STATS[j]` of combination `indices[k]`.
 */
export interface SummaryTable {
  readonly indices: Int32Array;
  readonly stats: Float64Array;
}

/** Row `k` of a table as a {@link SummaryRow}, given that combination's params. */
export function tableRow(table: SummaryTable, k: number, params: Params): SummaryRow {
  const row: Record<string, unknown> = { params };
  const base = k * SUMMARY_WIDTH;
  for (let j = 0; j < SUMMARY_WIDTH; j++) row[SUMMARY_STATS[j]] = table.stats[base + j];
  return row as SummaryRow;
}

/**
 * Positions (into `table.indices`) of the `top` best rows by `stat`, best first; NaN sorts
 * last and ties keep enumeration order. Sorts positions, not row objects.
 */
export function topPositions(
  table: SummaryTable,
  stat: SummaryStat,
  top: number,
  order: "asc" | "desc" = "desc",
): number[] {
  const column = SUMMARY_STATS.indexOf(stat);
  const value = (k: number) => table.stats[k * SUMMARY_WIDTH + column];
  const sign = order === "desc" ? -1 : 1;
  const positions = Array.from({ length: table.indices.length }, (_, k) => k);
  positions.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      return Number.isNaN(x) === Number.isNaN(y)
        ? table.indices[a] - table.indices[b]
        : Number.isNaN(x)
          ? 1
          : -1;
    }
    return x === y ? table.indices[a] - table.indices[b] : x < y ? -sign : sign;
  });
  return positions.slice(0, Math.max(0, top));
}

// The statistics a sweep row carries, in row order (mirrors the engine's SUMMARY_STATS).

/** Names of the per-combination statistics, in the order rows carry them. */
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

export type SummaryStatName = (typeof SUMMARY_STATS)[number];

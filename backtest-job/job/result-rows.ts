// A sweep's flat table as the wire's result rows: [comboIndex, params in plan order, summary stats].
import { type ResultRow, toJsonNumber } from "../../events/index.ts";
import type { SweepPlan } from "../engine/grid.ts";
import { SUMMARY_WIDTH, type SummaryTable } from "../engine/summary.ts";

/**
 * One row per evaluated combination, in table order. Statistics keep SUMMARY_STATS order;
 * NaN and infinities become null, because JSON has neither.
 * @example encodeRows(outcome.table, outcome.plan) // [[0, [5, 20], [10412.5, 4.12, ...]], ...]
 */
export function encodeRows(table: SummaryTable, plan: SweepPlan): ResultRow[] {
  const width = plan.names.length;
  return Array.from(table.indices, (comboIndex, k): ResultRow => {
    const params = Array.from(plan.values.subarray(comboIndex * width, (comboIndex + 1) * width));
    const stats = Array.from(
      table.stats.subarray(k * SUMMARY_WIDTH, (k + 1) * SUMMARY_WIDTH),
      toJsonNumber,
    );
    return [comboIndex, params, stats];
  });
}

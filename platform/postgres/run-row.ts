// Maps a runs row to the port's RunRecord, and a refused request to the columns it can fill.
import type { Selectable } from "kysely";
import {
  type FailureCode,
  SUMMARY_STATS,
  type SummaryStatName,
  strategyName,
} from "../../events/index.ts";
import type { RunRecord, RunStatus } from "../ports.ts";
import type { RunsTable } from "./schema.ts";

/** The columns a refused request can fill, read only where it has the expected shape. */
export interface RejectedFields {
  strategy: string;
  label: string | null;
  sort: SummaryStatName;
}

/** What a refused request says about itself; "" and the default sort where it says nothing usable. */
export function describeRejected(request: unknown): RejectedFields {
  const r: Record<string, unknown> =
    typeof request === "object" && request !== null ? { ...request } : {};
  const sort = SUMMARY_STATS.find((s) => s === r.sort) ?? "sharpeRatio";
  return {
    strategy: strategyName(r.strategy),
    label: typeof r.label === "string" ? r.label : null,
    sort,
  };
}

/**
 * The strategy definition of `request` as JSON text, or null when its strategy is a name (or
 * it has none, as a refused request may). Kept as text because jsonb sorts keys, and a
 * definition's order is meaning (series refer only to those above them).
 */
export function definitionText(request: unknown): string | null {
  const strategy = (request as { strategy?: unknown } | null)?.strategy;
  const isObject = typeof strategy === "object" && strategy !== null && !Array.isArray(strategy);
  return isObject ? JSON.stringify(strategy) : null;
}

/** The stored request, with its definition as it came, keys in order, when it had one. */
function requestOf(row: Selectable<RunsTable>): unknown {
  const { request, definition } = row;
  if (definition === null || typeof request !== "object" || request === null) return request;
  return { ...request, strategy: JSON.parse(definition) };
}

/** An ISO-8601 string for a timestamptz, whichever form the driver returned. */
export function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

/** The port's view of a runs row; `final_event_published` stays internal. */
export function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  return {
    runId: row.run_id,
    source: row.source,
    status: row.status as RunStatus,
    strategy: row.strategy,
    label: row.label,
    request: requestOf(row),
    combinations: row.combinations,
    shardCount: row.shard_count,
    sort: row.sort as SummaryStatName,
    error: row.error,
    errorCode: row.error_code as FailureCode | null,
    best: row.best as RunRecord["best"],
    traceparent: row.traceparent,
    createdAt: iso(row.created_at),
    startedAt: row.started_at && iso(row.started_at),
    finishedAt: row.finished_at && iso(row.finished_at),
    rowsRecorded: row.rows_recorded,
  };
}

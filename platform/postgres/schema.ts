// The tables of the run store as kysely sees them; migrations.ts creates them.
import type { ColumnType, Generated } from "kysely";
import type { SummaryStatName } from "../../events/index.ts";

/** A jsonb column: read back parsed, written as JSON text (pg and PGlite both pass text through). */
type Json<T> = ColumnType<T, string, string>;
/** A timestamptz column that the database fills, or that queries set with `now()`. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface RunsTable {
  run_id: string;
  source: string;
  status: string;
  strategy: string;
  label: string | null;
  request: Json<unknown>;
  combinations: number;
  shard_count: number;
  sort: string;
  error: string | null;
  error_code: string | null;
  best: Json<unknown> | null;
  traceparent: string | null;
  created_at: Generated<Date>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  final_event_published: Generated<boolean>;
  /**
   * Result rows stored so far. A counter kept by recordShardPart, so that listing runs does
   * not count a few hundred thousand rows per run.
   */
  rows_recorded: Generated<number>;
  /**
   * The request's strategy definition as the JSON text that came, keys in their order (jsonb
   * would sort them); null for a built-in's run. It replaces `request.strategy` when read.
   */
  definition: string | null;
}

export interface ShardsTable {
  run_id: string;
  shard_index: number;
  part_count: number | null;
  parts_done: Generated<number>;
  evaluated: number | null;
  elapsed_ms: number | null;
  bar_evaluations_per_second: number | null;
  best: Json<unknown> | null;
}

/** One row per stored part: its primary key is the idempotency key of a shard.completed event. */
export interface ShardPartsTable {
  run_id: string;
  shard_index: number;
  part_index: number;
}

/** One row per combination; each statistic has its own column so that SQL sorts it. */
export interface ResultsTable {
  run_id: string;
  combo_index: number;
  params: Json<Record<string, number>>;
  equity_final: number | null;
  return_pct: number | null;
  max_drawdown_pct: number | null;
  sharpe_ratio: number | null;
  sortino_ratio: number | null;
  trades: number | null;
  win_rate_pct: number | null;
  profit_factor: number | null;
  exposure_time_pct: number | null;
}

export interface ProcessedEventsTable {
  source: string;
  id: string;
  processed_at: Generated<Date>;
}

export interface DeadLettersTable {
  id: Generated<number>;
  event_id: string;
  event_source: string;
  event_type: string;
  subscriber: string;
  reason: string;
  event: Json<unknown>;
  created_at: Generated<Date>;
}

/** The embedded broker's pending deliveries (BrokerOutbox). */
export interface BrokerOutboxTable {
  id: Generated<number>;
  trigger: string;
  event_source: string;
  event_id: string;
  /** The structured-mode CloudEvent as JSON text. */
  event: string;
  attempts: Generated<number>;
  created_at: Generated<Date>;
}

/** The whole database, for `Kysely<Database>`. */
export interface Database {
  runs: RunsTable;
  shards: ShardsTable;
  shard_parts: ShardPartsTable;
  results: ResultsTable;
  processed_events: ProcessedEventsTable;
  dead_letters: DeadLettersTable;
  broker_outbox: BrokerOutboxTable;
}

/** The results column of each summary statistic; typed so that a new statistic cannot be missed. */
export const STAT_COLUMNS = {
  equityFinal: "equity_final",
  returnPct: "return_pct",
  maxDrawdownPct: "max_drawdown_pct",
  sharpeRatio: "sharpe_ratio",
  sortinoRatio: "sortino_ratio",
  trades: "trades",
  winRatePct: "win_rate_pct",
  profitFactor: "profit_factor",
  exposureTimePct: "exposure_time_pct",
} as const satisfies Record<SummaryStatName, keyof ResultsTable>;

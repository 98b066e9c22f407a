// RunStore on Postgres or PGlite through kysely: each rule holds in one statement or transaction.
import { type Kysely, sql } from "kysely";
import { type FailureCode, SUMMARY_STATS, strategyName } from "../../events/index.ts";
import { escapeUnstorable } from "../../events/storable-text.ts";
import type {
  DeadLetter,
  NewRun,
  ResultsQuery,
  RunRecord,
  RunStatus,
  RunStore,
  RunsQuery,
  ShardPartInput,
  ShardPartOutcome,
  StoredResult,
} from "../ports.ts";
import { type DatabaseOptions, openDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { PostgresBrokerOutbox } from "./postgres-broker-outbox.ts";
import { recordShardPart } from "./record-shard-part.ts";
import { definitionText, describeRejected, iso, toRunRecord } from "./run-row.ts";
import { type Database, STAT_COLUMNS } from "./schema.ts";

/**
 * The run store in SQL. Concurrent writers are safe: transitions are conditional UPDATEs,
 * and the parts of one run take turns on the run's row.
 *
 * @example
 * const store = await PostgresRunStore.open({ url: config.DATABASE_URL, pgliteDir: ".data/pglite" });
 */
export class PostgresRunStore implements RunStore {
  /** `onClose` releases the database when the store owns it; by default the caller does. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Opens the database, migrates it, and returns a store that closes it. */
  static async open(options: DatabaseOptions): Promise<PostgresRunStore> {
    const { db, close } = await openDatabase(options);
    try {
      await migrate(db);
    } catch (error) {
      await close();
      throw error;
    }
    return new PostgresRunStore(db, close);
  }

  /** The embedded broker's outbox in the same database, so that events are as durable as runs. */
  outbox(): PostgresBrokerOutbox {
    return new PostgresBrokerOutbox(this.db);
  }

  async createRun(run: NewRun): Promise<boolean> {
    const { request } = run;
    const row = await this.db
      .insertInto("runs")
      .values({
        run_id: run.runId,
        source: run.source,
        status: "queued",
        // A definition's run goes by its name; the definition stays in `request`, and its
        // text, in order, in `definition`.
        strategy: strategyName(request.strategy),
        label: request.label ?? null,
        request: JSON.stringify(request),
        definition: definitionText(request),
        combinations: run.combinations,
        shard_count: run.shardCount,
        sort: request.sort,
        traceparent: run.traceparent ?? null,
      })
      .onConflict((oc) => oc.column("run_id").doNothing())
      .returning("run_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async rejectRun(
    runId: string,
    source: string,
    request: unknown,
    reason: string,
  ): Promise<boolean> {
    const row = await this.db
      .insertInto("runs")
      .values({
        run_id: runId,
        source,
        status: "rejected",
        ...describeRejected(request),
        request: JSON.stringify(request ?? null),
        definition: definitionText(request),
        combinations: 0,
        shard_count: 0,
        error: reason,
        error_code: "bad_input",
        finished_at: sql<Date>`now()`,
      })
      .onConflict((oc) => oc.column("run_id").doNothing())
      .returning("run_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async markRunning(runId: string): Promise<boolean> {
    const row = await this.db
      .updateTable("runs")
      .set({ status: "running", started_at: sql<Date>`now()` })
      .where("run_id", "=", runId)
      .where("status", "=", "queued")
      .returning("run_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  recordShardPart(part: ShardPartInput): Promise<ShardPartOutcome> {
    return recordShardPart(this.db, part);
  }

  async completeRun(runId: string): Promise<boolean> {
    // The shards' best by the run's statistic, highest first. Best.stats may hold a string or
    // null, and NaN travels as null, so anything but a JSON number ranks last.
    const best = sql<string>`(
      select s.best from shards s
      where s.run_id = runs.run_id and s.best is not null
      order by
        case when jsonb_typeof(s.best -> 'stats' -> runs.sort) = 'number'
          then (s.best -> 'stats' ->> runs.sort)::double precision end desc nulls last,
        (s.best ->> 'comboIndex')::integer
      limit 1)`;
    // One conditional UPDATE: a concurrent second call waits for the row, re-reads the
    // status, and updates nothing.
    const row = await this.db
      .updateTable("runs")
      .set({ status: "succeeded", finished_at: sql<Date>`now()`, best })
      .where("run_id", "=", runId)
      .where("status", "=", "running")
      .returning("run_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  failRun(runId: string, code: FailureCode, reason: string): Promise<boolean> {
    return this.finish(runId, "failed", code, reason);
  }

  cancelRun(runId: string): Promise<boolean> {
    return this.finish(runId, "cancelled", "cancelled", "cancelled by request");
  }

  private async finish(
    runId: string,
    status: RunStatus,
    code: FailureCode,
    reason: string,
  ): Promise<boolean> {
    const row = await this.db
      .updateTable("runs")
      // A reason may quote a Job's stderr or a Kubernetes message: NUL and lone surrogates
      // are written as \uXXXX, or Postgres would refuse the run's end and it would never come.
      .set({
        status,
        error: escapeUnstorable(reason),
        error_code: code,
        finished_at: sql<Date>`now()`,
      })
      .where("run_id", "=", runId)
      .where("status", "in", ["queued", "running"])
      .returning("run_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async finalEventPublished(runId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("runs")
      .select("final_event_published")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    return row?.final_event_published ?? false;
  }

  async markFinalEventPublished(runId: string): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({ final_event_published: true })
      .where("run_id", "=", runId)
      .execute();
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = await this.db
      .selectFrom("runs")
      .selectAll()
      .where("run_id", "=", runId)
      .executeTakeFirst();
    return row && toRunRecord(row);
  }

  async incompleteShards(runId: string): Promise<number[]> {
    const run = await this.db
      .selectFrom("runs")
      .select("shard_count")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!run) return [];
    const done = await this.db
      .selectFrom("shards")
      .select("shard_index")
      .where("run_id", "=", runId)
      .whereRef("parts_done", ">=", "part_count")
      .execute();
    const finished = new Set(done.map((d) => d.shard_index));
    return Array.from({ length: run.shard_count }, (_, i) => i).filter((i) => !finished.has(i));
  }

  async staleRuns(olderThan: Date, limit: number): Promise<RunRecord[]> {
    // The expression and predicate of the runs_active index (migration 0002), written as
    // literals so that the planner can match them without knowing the parameters.
    const since = sql<Date>`coalesce(started_at, created_at)`;
    const rows = await this.db
      .selectFrom("runs")
      .selectAll()
      .where(sql<boolean>`status in ('queued', 'running')`)
      .where(since, "<", olderThan)
      .orderBy(since)
      .orderBy("run_id")
      .limit(limit)
      .execute();
    return rows.map(toRunRecord);
  }

  async unpublishedFinalRuns(finishedBefore: Date, limit: number): Promise<RunRecord[]> {
    // The predicate of the runs_unpublished_final index (migration 0002), as literals.
    const rows = await this.db
      .selectFrom("runs")
      .selectAll()
      .where(sql<boolean>`not final_event_published`)
      .where(sql<boolean>`status in ('succeeded', 'failed', 'cancelled')`)
      .where("finished_at", "<", finishedBefore)
      .orderBy("finished_at")
      .orderBy("run_id")
      .limit(limit)
      .execute();
    return rows.map(toRunRecord);
  }

  async listRuns(query: RunsQuery): Promise<{ runs: RunRecord[]; total: number }> {
    let base = this.db.selectFrom("runs");
    if (query.status) base = base.where("status", "=", query.status);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy("created_at", "desc")
        .orderBy("run_id", "desc")
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow(),
    ]);
    return { runs: rows.map(toRunRecord), total: Number(count.total) };
  }

  async results(runId: string, query: ResultsQuery): Promise<StoredResult[]> {
    const rows = await this.db
      .selectFrom("results")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy(STAT_COLUMNS[query.sort], (ob) =>
        (query.order === "asc" ? ob.asc() : ob.desc()).nullsLast(),
      )
      .orderBy("combo_index")
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map((row) => ({
      comboIndex: row.combo_index,
      params: row.params,
      stats: Object.fromEntries(
        SUMMARY_STATS.map((s) => [s, row[STAT_COLUMNS[s]]]),
      ) as StoredResult["stats"],
    }));
  }

  async markProcessed(source: string, id: string): Promise<boolean> {
    const row = await this.db
      .insertInto("processed_events")
      .values({ source, id })
      .onConflict((oc) => oc.columns(["source", "id"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async wasProcessed(source: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("processed_events")
      .select("id")
      .where("source", "=", source)
      .where("id", "=", id)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await this.db
      .insertInto("dead_letters")
      .values({
        event_id: letter.eventId,
        event_source: letter.eventSource,
        event_type: letter.eventType,
        subscriber: letter.subscriber,
        reason: letter.reason,
        event: JSON.stringify(letter.event ?? null),
      })
      .execute();
  }

  async deadLetters(limit: number): Promise<(DeadLetter & { createdAt: string })[]> {
    const rows = await this.db
      .selectFrom("dead_letters")
      .selectAll()
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      eventId: row.event_id,
      eventSource: row.event_source,
      eventType: row.event_type,
      subscriber: row.subscriber,
      reason: row.reason,
      event: row.event,
      createdAt: iso(row.created_at),
    }));
  }

  /** Never throws: a health check must answer even when the database does not. */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

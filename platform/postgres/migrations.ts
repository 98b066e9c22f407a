// Schema migrations as code, run at start by every process that opens the run store.
import { type Kysely, type Migration, Migrator, sql } from "kysely";
import { STAT_COLUMNS } from "./schema.ts";

/** Run statuses the `runs.status` check allows; mirrors RunStatus in ports.ts. */
const STATUSES = ["queued", "running", "succeeded", "failed", "rejected", "cancelled"];

// Migrations take Kysely<any>: they must keep working after Database has moved on.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("runs")
      .addColumn("run_id", "text", (c) => c.primaryKey())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("strategy", "text", (c) => c.notNull())
      .addColumn("label", "text")
      .addColumn("request", "jsonb", (c) => c.notNull())
      .addColumn("combinations", "integer", (c) => c.notNull())
      .addColumn("shard_count", "integer", (c) => c.notNull())
      .addColumn("sort", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("error_code", "text")
      .addColumn("best", "jsonb")
      .addColumn("traceparent", "text")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("started_at", "timestamptz")
      .addColumn("finished_at", "timestamptz")
      .addColumn("final_event_published", "boolean", (c) => c.notNull().defaultTo(false))
      .addColumn("rows_recorded", "integer", (c) => c.notNull().defaultTo(0))
      .addCheckConstraint(
        "runs_status_check",
        sql`status in (${sql.join(STATUSES.map((s) => sql.lit(s)))})`,
      )
      .execute();
    await db.schema
      .createIndex("runs_status_created_at")
      .on("runs")
      .columns(["status", "created_at desc"])
      .execute();
    await db.schema
      .createIndex("runs_created_at")
      .on("runs")
      .columns(["created_at desc"])
      .execute();

    await db.schema
      .createTable("shards")
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("shard_index", "integer", (c) => c.notNull())
      .addColumn("part_count", "integer")
      .addColumn("parts_done", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("evaluated", "integer")
      .addColumn("elapsed_ms", "double precision")
      .addColumn("bar_evaluations_per_second", "double precision")
      .addColumn("best", "jsonb")
      .addPrimaryKeyConstraint("shards_pk", ["run_id", "shard_index"])
      .execute();

    await db.schema
      .createTable("shard_parts")
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("shard_index", "integer", (c) => c.notNull())
      .addColumn("part_index", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("shard_parts_pk", ["run_id", "shard_index", "part_index"])
      .execute();

    let results = db.schema
      .createTable("results")
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("combo_index", "integer", (c) => c.notNull())
      .addColumn("params", "jsonb", (c) => c.notNull());
    for (const column of Object.values(STAT_COLUMNS))
      results = results.addColumn(column, "double precision");
    await results.addPrimaryKeyConstraint("results_pk", ["run_id", "combo_index"]).execute();
    // Matches the default listing, ORDER BY sharpe_ratio DESC NULLS LAST, combo_index, as a
    // forward scan. Other statistics sort without an index: one run holds at most
    // MAX_COMBINATIONS rows, and an index per statistic would slow every insert.
    await sql`create index results_sharpe_ratio on results (run_id, sharpe_ratio desc nulls last, combo_index)`.execute(
      db,
    );

    await db.schema
      .createTable("processed_events")
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("id", "text", (c) => c.notNull())
      .addColumn("processed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("processed_events_pk", ["source", "id"])
      .execute();

    await db.schema
      .createTable("dead_letters")
      .addColumn("id", "bigserial", (c) => c.primaryKey())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("event_source", "text", (c) => c.notNull())
      .addColumn("event_type", "text", (c) => c.notNull())
      .addColumn("subscriber", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("event", "jsonb", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: AnyDb) {
    for (const table of [
      "dead_letters",
      "processed_events",
      "results",
      "shard_parts",
      "shards",
      "runs",
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/**
 * The reaper's two queries, each over the few rows it can match (partial indexes): runs
 * still active, by when they started, and finished runs whose final event never went out.
 */
const reaperIndexes: Migration = {
  async up(db: AnyDb) {
    await sql`create index runs_active on runs (coalesce(started_at, created_at))
      where status in ('queued', 'running')`.execute(db);
    await sql`create index runs_unpublished_final on runs (finished_at)
      where not final_event_published and status in ('succeeded', 'failed', 'cancelled')`.execute(
      db,
    );
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex("runs_unpublished_final").ifExists().execute();
    await db.schema.dropIndex("runs_active").ifExists().execute();
  },
};

/**
 * The embedded broker's outbox: one row per pending delivery of an event to a Trigger. The
 * event is kept as JSON text, not jsonb: text takes every string JSON can escape, so an
 * event the broker accepted can always be stored (jsonb refuses \u0000).
 */
const brokerOutbox: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("broker_outbox")
      .addColumn("id", "bigserial", (c) => c.primaryKey())
      .addColumn("trigger", "text", (c) => c.notNull())
      .addColumn("event_source", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint("broker_outbox_delivery", ["trigger", "event_source", "event_id"])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable("broker_outbox").ifExists().execute();
  },
};

/**
 * A run's strategy definition as the JSON text that came (issue 13), beside `request`. jsonb
 * sorts an object's keys, and a definition's order is meaning: a named series may use only
 * the series above it, and parameters enumerate a grid in the order they are declared, so a
 * run resumed from jsonb would be another strategy. Null for a built-in's run.
 */
const runDefinition: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("runs").addColumn("definition", "text").execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable("runs").dropColumn("definition").execute();
  },
};

/** Every migration by name; names sort in the order they apply. Never edit one that shipped. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001_initial": initial,
  "0002_reaper_indexes": reaperIndexes,
  "0003_broker_outbox": brokerOutbox,
  "0004_run_definition": runDefinition,
};

/**
 * Brings the schema up to date; a no-op when it is. Safe to run from several processes at
 * once: kysely's migrator holds a Postgres advisory lock while it works.
 */
export async function migrate(db: AnyDb): Promise<void> {
  // The migrator looks for its own tables by name across all schemas unless told which one,
  // so name the schema that unqualified tables resolve to (openDatabase's `schema` option).
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    db,
  );
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("migrate: no current schema; does the search_path schema exist?");
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

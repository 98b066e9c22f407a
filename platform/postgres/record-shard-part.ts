// Stores one part of a shard's results: the transaction behind RunStore.recordShardPart.
import type { Insertable, Kysely, Transaction } from "kysely";
import { type ResultRow, SUMMARY_STATS } from "../../events/index.ts";
import type { ShardPartInput, ShardPartOutcome } from "../ports.ts";
import { type Database, type ResultsTable, STAT_COLUMNS } from "./schema.ts";

/** Rows per INSERT: at 12 parameters a row, a batch stays far below Postgres' 65,535. */
const INSERT_BATCH = 500;

/**
 * In one transaction: claims the part's key in shard_parts, and only if it was new stores
 * the rows, counts the part on its shard and adds the rows to the run's count. A part of an
 * unknown run is ignored: there is nothing to attach it to.
 */
export function recordShardPart(
  db: Kysely<Database>,
  part: ShardPartInput,
): Promise<ShardPartOutcome> {
  const { runId, shardIndex } = part;
  return db.transaction().execute(async (trx) => {
    // Parts of one run take turns on the run's row. Without that, the last parts of two
    // shards, committed together, would each miss the other's and neither would see the
    // run complete.
    const run = await trx
      .selectFrom("runs")
      .select("shard_count")
      .where("run_id", "=", runId)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!run) return { recorded: false, runComplete: false };
    const fresh = await trx
      .insertInto("shard_parts")
      .values({ run_id: runId, shard_index: shardIndex, part_index: part.partIndex })
      .onConflict((oc) => oc.columns(["run_id", "shard_index", "part_index"]).doNothing())
      .returning("part_index")
      .executeTakeFirst();
    // A part stored before still gives the rows it brings that are missing: a shard that ran
    // again after a restart may have cut a part at another row. Rows are keyed by combination,
    // so this never duplicates one; the part and its shard are counted once.
    const inserted = await insertRows(trx, part);
    if (inserted > 0) await addRows(trx, runId, inserted);
    if (!fresh)
      return { recorded: false, runComplete: await isComplete(trx, runId, run.shard_count) };
    const { metrics } = part;
    await trx
      .insertInto("shards")
      .values({
        run_id: runId,
        shard_index: shardIndex,
        part_count: part.partCount,
        parts_done: 1,
        evaluated: metrics?.evaluated ?? null,
        elapsed_ms: metrics?.elapsedMs ?? null,
        bar_evaluations_per_second: metrics?.barEvaluationsPerSecond ?? null,
        best: part.best ? JSON.stringify(part.best) : null,
      })
      .onConflict((oc) =>
        oc.columns(["run_id", "shard_index"]).doUpdateSet((eb) => ({
          part_count: eb.ref("excluded.part_count"),
          parts_done: eb("shards.parts_done", "+", 1),
          evaluated: eb.fn.coalesce("excluded.evaluated", "shards.evaluated"),
          elapsed_ms: eb.fn.coalesce("excluded.elapsed_ms", "shards.elapsed_ms"),
          bar_evaluations_per_second: eb.fn.coalesce(
            "excluded.bar_evaluations_per_second",
            "shards.bar_evaluations_per_second",
          ),
          best: eb.fn.coalesce("excluded.best", "shards.best"),
        })),
      )
      .execute();
    return { recorded: true, runComplete: await isComplete(trx, runId, run.shard_count) };
  });
}

/** Inserts the part's rows that are not stored yet; returns how many were. */
async function insertRows(trx: Transaction<Database>, part: ShardPartInput): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < part.rows.length; i += INSERT_BATCH) {
    const batch = part.rows
      .slice(i, i + INSERT_BATCH)
      .map((row) => resultValues(part.runId, part.paramNames, row));
    const rows = await trx
      .insertInto("results")
      .values(batch)
      .onConflict((oc) => oc.columns(["run_id", "combo_index"]).doNothing())
      .returning("combo_index")
      .execute();
    inserted += rows.length;
  }
  return inserted;
}

async function addRows(trx: Transaction<Database>, runId: string, rows: number): Promise<void> {
  await trx
    .updateTable("runs")
    .set((eb) => ({ rows_recorded: eb("rows_recorded", "+", rows) }))
    .where("run_id", "=", runId)
    .execute();
}

/** Whether each of the run's shards has all of its parts; rows of shards past the count do not count. */
async function isComplete(
  trx: Transaction<Database>,
  runId: string,
  shardCount: number,
): Promise<boolean> {
  const { done } = await trx
    .selectFrom("shards")
    .select((eb) => eb.fn.countAll<number>().as("done"))
    .where("run_id", "=", runId)
    .where("shard_index", "<", shardCount)
    .whereRef("parts_done", ">=", "part_count")
    .executeTakeFirstOrThrow();
  return Number(done) === shardCount;
}

/** A row as the results table takes it: params by name, a non-finite statistic as NULL. */
function resultValues(
  runId: string,
  paramNames: readonly string[],
  row: ResultRow,
): Insertable<ResultsTable> {
  const [comboIndex, values, stats] = row;
  const params = Object.fromEntries(paramNames.map((name, i) => [name, values[i]]));
  const insert: Insertable<ResultsTable> = {
    run_id: runId,
    combo_index: comboIndex,
    params: JSON.stringify(params),
  };
  SUMMARY_STATS.forEach((s, i) => {
    const v = stats[i];
    insert[STAT_COLUMNS[s]] = typeof v === "number" && Number.isFinite(v) ? v : null;
  });
  return insert;
}

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
    if (!fresh)
      return { recorded: false, runComplete: await isComplete(trx, runId, run.shard_count) };

    let inserted = 0;
    for (let i = 0; i < part.rows.length; i += INSERT_BATCH) {
      const batch = part.rows
        .slice(i, i + INSERT_BATCH)
        .map((row) => resultValues(runId, part.paramNames, row));
      const rows = await trx
        .insertInto("results")
        .values(batch)
        .onConflict((oc) => oc.columns(["run_id", "combo_index"]).doNothing())
        .returning("combo_index")
        .execute();
      inserted += rows.length;
    }
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
    if (inserted > 0) {
      await trx
        .updateTable("runs")
        .set((eb) => ({ rows_recorded: eb("rows_recorded", "+", inserted) }))
        .where("run_id", "=", runId)
        .execute();
    }
    return { recorded: true, runComplete: await isComplete(trx, runId, run.shard_count) };
  });
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

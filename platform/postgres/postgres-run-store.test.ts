// PostgresRunStore on in-memory PGlite against the shared contract, plus what only SQL can get wrong.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRunStoreContract } from "../run-store.contract.ts";
import { openDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { PostgresRunStore } from "./postgres-run-store.ts";
import { openTestDatabase, type TestDatabase } from "./test-database.ts";

// Starting PGlite takes one to two seconds, so the file shares one instance.
let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

runRunStoreContract("postgres (PGlite)", () => database.freshStore());

describe("PostgresRunStore on PGlite", () => {
  it("migrates idempotently, into the schema it was given", async () => {
    await migrate(database.db);
    await migrate(database.db);
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${database.schema}
      order by table_name`.execute(database.db);
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "dead_letters",
        "processed_events",
        "results",
        "runs",
        "shard_parts",
        "shards",
      ]),
    );
  });

  it("rejects a bad status at the database", async () => {
    const insert = sql`insert into runs (run_id, source, status, strategy, request, combinations, shard_count, sort)
      values ('x', 's', 'lost', 'st', '{}', 0, 0, 'sharpeRatio')`;
    await expect(insert.execute(database.db)).rejects.toThrow(/runs_status_check/);
  });
});

describe("PostgresRunStore with the database down", () => {
  // Port 1 refuses connections at once, so nothing here waits for the connection timeout.
  const url = "postgres://postgres@127.0.0.1:1/test";
  const runId = `run_${"a".repeat(26)}`;

  it("rejects every call but ping, which answers false", async () => {
    const { db, close } = await openDatabase({ url });
    const store = new PostgresRunStore(db, close);
    try {
      const started = Date.now();
      expect(await store.ping()).toBe(false);
      const run = {
        runId,
        source: "backtest",
        combinations: 1,
        shardCount: 1,
        request: {
          strategy: "sma-crossover",
          params: { fast: 5 },
          data: { synthetic: { bars: 300, seed: 1 } },
          sort: "sharpeRatio",
        } as const,
      };
      await expect(store.createRun(run)).rejects.toThrow();
      await expect(store.getRun(runId)).rejects.toThrow();
      await expect(store.completeRun(runId)).rejects.toThrow();
      await expect(store.markProcessed("s", "e")).rejects.toThrow();
      const part = {
        runId,
        shardIndex: 0,
        shardCount: 1,
        partIndex: 0,
        partCount: 1,
        paramNames: [],
        rows: [],
      };
      await expect(store.recordShardPart(part)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await store.close();
    }
  });

  it("refuses to open a store it cannot migrate", async () => {
    await expect(PostgresRunStore.open({ url })).rejects.toThrow();
  });
});

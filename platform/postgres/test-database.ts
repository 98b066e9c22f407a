// Test support: one migrated database per test file, in a schema of its own, emptied per case.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { RunStoreHarness } from "../run-store.contract.ts";
import { type OpenDatabase, openDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { PostgresRunStore } from "./postgres-run-store.ts";

/** A database for one test file; `drop` removes its schema and closes it. */
export interface TestDatabase extends OpenDatabase {
  readonly schema: string;
  /** A store over the shared database with every table emptied: the contract's `make`. */
  freshStore(): Promise<RunStoreHarness>;
  drop(): Promise<void>;
}

/** Opens `url` (or in-memory PGlite) in a random schema and migrates it. */
export async function openTestDatabase(url?: string): Promise<TestDatabase> {
  const schema = `test_${randomBytes(6).toString("hex")}`;
  const opened = await openDatabase({ url, schema });
  await migrate(opened.db);
  const { db } = opened;
  return {
    ...opened,
    schema,
    async freshStore() {
      await sql`truncate runs, shards, shard_parts, results, processed_events, dead_letters, broker_outbox restart identity`.execute(
        db,
      );
      // The store does not own the shared database: closing it leaves the database open.
      return { store: new PostgresRunStore(db), close: async () => {} };
    },
    async drop() {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      } finally {
        await opened.close();
      }
    },
  };
}

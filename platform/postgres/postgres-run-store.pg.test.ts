// PostgresRunStore on a real Postgres (DATABASE_URL) against the shared contract; skipped without one.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRunStoreContract } from "../run-store.contract.ts";
import { openDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { openTestDatabase, type TestDatabase } from "./test-database.ts";

const url = process.env.DATABASE_URL;
if (!url)
  console.warn(
    "postgres-run-store.pg.test.ts skipped: set DATABASE_URL to run it against Postgres",
  );

(url ? describe : describe.skip)("PostgresRunStore on Postgres", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(url);
  });
  afterAll(async () => {
    await database?.drop();
  });

  runRunStoreContract("postgres", () => database.freshStore());

  it("migrates a fresh schema from two processes at once, and again as a no-op", async () => {
    const schema = `test_${randomBytes(6).toString("hex")}`;
    const [a, b] = await Promise.all([
      openDatabase({ url, schema }),
      openDatabase({ url, schema }),
    ]);
    try {
      await Promise.all([migrate(a.db), migrate(b.db)]);
      await migrate(a.db);
      const { rows } = await sql<{ n: number }>`
        select count(*) as n from information_schema.tables where table_schema = ${schema}`.execute(
        a.db,
      );
      expect(rows[0].n).toBe(9); // seven tables and the migrator's two
    } finally {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(a.db);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("survives the server ending a session whose client is checked out (the stack crashed when Postgres stopped)", async () => {
    const victim = await openDatabase({ url });
    const killer = await openDatabase({ url });
    try {
      const inside = victim.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(killer.db);
        // Between statements: the client is lent out, and the server's goodbye arrives now.
        await new Promise((r) => setTimeout(r, 300));
        await sql`select 1`.execute(trx);
      });
      await expect(inside).rejects.toThrow();
      // The pool goes on with a fresh client.
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(victim.db);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await Promise.all([victim.close(), killer.close()]);
    }
  });

  it("returns counts as numbers, not int8 strings", async () => {
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from runs`.execute(database.db);
    expect(rows[0].n).toBe(0);
  });
});

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

  it("returns counts as numbers, not int8 strings", async () => {
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from runs`.execute(database.db);
    expect(rows[0].n).toBe(0);
  });
});

// PostgresBrokerOutbox on PGlite, and on Postgres when DATABASE_URL is set, against the shared contract.
import { sql } from "kysely";
import { afterAll, beforeAll, describe } from "vitest";
import { runBrokerOutboxContract } from "../broker-outbox.contract.ts";
import { PostgresBrokerOutbox } from "./postgres-broker-outbox.ts";
import { openTestDatabase, type TestDatabase } from "./test-database.ts";

const url = process.env.DATABASE_URL;
if (!url) console.warn("postgres-broker-outbox.test.ts: DATABASE_URL unset, Postgres case skipped");

for (const [name, target] of [
  ["PGlite", undefined],
  ["postgres", url],
] as const) {
  (name === "postgres" && !url ? describe.skip : describe)(
    `PostgresBrokerOutbox on ${name}`,
    () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await openTestDatabase(target);
      });
      afterAll(async () => {
        await database?.drop();
      });
      runBrokerOutboxContract(name, async () => {
        await sql`truncate broker_outbox restart identity`.execute(database.db);
        return { outbox: new PostgresBrokerOutbox(database.db), close: async () => {} };
      });
    },
  );
}

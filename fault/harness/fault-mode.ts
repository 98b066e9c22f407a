// The two modes a scenario runs in, and a fresh home (DATA_HOME, database) for each scenario.
import { cpSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { type DatabaseOptions, openDatabase } from "../../platform/postgres/database.ts";
import { PostgresRunStore } from "../../platform/postgres/postgres-run-store.ts";
import type { Database } from "../../platform/postgres/schema.ts";
import type { Cleanup } from "./cleanup.ts";
import { type PostgresServer, postgresTools, startPostgres } from "./postgres-server.ts";
import { hasProcTable } from "./proc-table.ts";
import { type RedisServer, redisTools, startRedis } from "./redis-server.ts";
import type { ModeName } from "./run-ledger.ts";

/** Where one scenario keeps its state across restarts of its stack. */
export interface ScenarioHome {
  readonly mode: ModeName;
  readonly dataHome: string;
  /** Configuration the scenario's stack needs in this mode. */
  readonly env: Readonly<Record<string, string>>;
  /** How to open its database for the audit; in embedded mode only once the stack has exited. */
  readonly database: DatabaseOptions;
}

/** A mode, set up once per test file. */
export interface FaultMode {
  readonly name: ModeName;
  /** Server mode's own Postgres and Redis (undefined in embedded mode). */
  readonly postgres?: PostgresServer;
  readonly redis?: RedisServer;
  /** A fresh home for `scenario`: its own DATA_HOME and, in server mode, its own database. */
  home(scenario: string): Promise<ScenarioHome>;
}

/** Why the suite cannot run here at all (it finds Jobs through /proc). */
export function suiteSkipReason(): string | undefined {
  return hasProcTable() ? undefined : "no /proc: the fault suite finds Job processes through it";
}

/** Why server mode cannot run here, or undefined when it can. */
export function serverSkipReason(): string | undefined {
  const pg = postgresTools();
  if (typeof pg === "string") return pg;
  const redis = redisTools();
  return typeof redis === "string" ? redis : undefined;
}

/**
 * Embedded mode: PGlite under each scenario's DATA_HOME, in-memory stand-ins for Redis.
 * A fresh PGlite folder costs a stack about five seconds of initdb at boot, so one migrated
 * folder is made here and copied into each home: the stack then starts as it does on an
 * existing install (docs/decisions/0026-fault-injection-suite.md).
 */
export async function embeddedMode(cleanup: Cleanup): Promise<FaultMode> {
  const template = join(cleanup.tempDir("pglite-template"), "pglite");
  await (await PostgresRunStore.open({ pgliteDir: template })).close();
  return {
    name: "embedded",
    async home(scenario) {
      const dataHome = cleanup.tempDir(scenario);
      const pgliteDir = join(dataHome, "pglite");
      cpSync(template, pgliteDir, { recursive: true });
      return { mode: "embedded", dataHome, env: {}, database: { pgliteDir } };
    },
  };
}

/** Server mode: a Postgres and a Redis of the file's own; each scenario gets its own database. */
export async function serverMode(cleanup: Cleanup): Promise<FaultMode> {
  const postgres = await startPostgres(cleanup);
  const redis = await startRedis(cleanup);
  return {
    name: "server",
    postgres,
    redis,
    async home(scenario) {
      const dataHome = cleanup.tempDir(scenario);
      const url = await postgres.createDatabase(`fault_${scenario.replaceAll("-", "_")}`);
      return {
        mode: "server",
        dataHome,
        env: { DATABASE_URL: url, REDIS_URL: redis.url },
        database: { url },
      };
    },
  };
}

/** Opens a scenario's database, hands it to `use`, and closes it. */
export async function withDatabase<T>(
  home: ScenarioHome,
  use: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const { db, close } = await openDatabase(home.database);
  try {
    return await use(db);
  } finally {
    await close();
  }
}

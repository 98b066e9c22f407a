// Opens the run store's database: Postgres through a pg pool, or embedded PGlite.
import { createRequire } from "node:module";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { createLogger } from "../log.ts";
import { type PoolSettings, poolConfig } from "./pool-config.ts";
import type { Database } from "./schema.ts";

export interface DatabaseOptions {
  /** A postgres:// URL; unset means PGlite. */
  readonly url?: string;
  /** Where PGlite keeps its files; unset means in memory. Ignored with `url`. */
  readonly pgliteDir?: string;
  /** A Postgres schema for every table, created if missing: parallel tests use one each. */
  readonly schema?: string;
  /** PEM CA bundle that the server's certificate must chain to (pool-config.ts). Needs `url`. */
  readonly ca?: string;
  /** Connections the pool opens at most; 5 unless set (DATABASE_POOL_MAX). */
  readonly poolMax?: number;
  /**
   * The password, asked for at every new connection (DATABASE_PASSWORD_FILE's reader,
   * password-file.ts), so a rotated one needs no reopen. Needs `url`, which then holds none.
   */
  readonly password?: () => Promise<string>;
}

/** An open database and the one way to let it go. */
export interface OpenDatabase {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/** Schema names go into `search_path` unquoted, so keep them to plain identifiers. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const log = createLogger("postgres");

/**
 * Opens Postgres when `url` is set, PGlite otherwise. Does not migrate: call `migrate(db)`.
 * A pg pool connects lazily, so opening succeeds while the server is down (unless `schema`
 * is set, which must be created); queries then reject, and `RunStore.ping` says false.
 *
 * @example
 * const { db, close } = await openDatabase({ url: config.DATABASE_URL, pgliteDir: ".data/pglite" });
 */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `openDatabase: schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}`,
    );
  }
  const db = options.url
    ? openPool(options.url, {
        max: options.poolMax ?? 5,
        ca: options.ca,
        schema,
        password: options.password,
      })
    : await openPglite(options.pgliteDir, schema);
  try {
    if (schema) await createSchema(db, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, close: () => db.destroy() };
}

function openPool(url: string, settings: PoolSettings): Kysely<Database> {
  const pool = new pg.Pool(poolConfig(url, settings));
  // An idle client's error (a restarted server, a dropped connection) is emitted on the pool;
  // unhandled it would crash the process. The next query checks out a fresh client.
  pool.on("error", (error) => {
    log.warn("idle client error", { error: error.message });
  });
  // A client checked out between two statements (inside a transaction, say) has no pool
  // listener: pg-pool removes its own while the client is lent. A server that ends the
  // session then (a restart, pg_terminate_backend) would emit an unhandled `error` and crash
  // the process; the statement in progress or the next one rejects instead, and the pool
  // drops the client when it comes back.
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      log.warn("client error", { error: error.message });
    });
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Whether PGlite is installed. The functions image leaves it out (it always has DATABASE_URL),
 * so it is imported only when opened: docs/decisions/0034-lean-images.md.
 */
export function pgliteInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("@electric-sql/pglite");
    return true;
  } catch {
    return false;
  }
}

async function openPglite(
  dir: string | undefined,
  schema: string | undefined,
): Promise<Kysely<Database>> {
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("kysely-pglite-dialect"),
  ]);
  const pglite = new PGlite(dir ?? "memory://");
  await pglite.waitReady;
  // PGlite is one session, so a session-wide search_path holds for every query.
  if (schema) await pglite.exec(`set search_path to ${schema}`);
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
}

async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two processes creating it at once: the loser sees a unique violation, and the schema exists.
    if ((error as { code?: string }).code !== "23505") throw error;
  }
}

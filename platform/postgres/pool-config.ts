// The pg pool's settings for a postgres:// URL: its size and limits, and TLS verified against a CA bundle.
import pg from "pg";
import { ConfigError } from "../config.ts";

/**
 * Connection-string parameters that pg-connection-string turns into an `ssl` object of its own.
 * pg merges the parsed URL over the pool's options (pg/lib/connection-parameters.js), so any
 * of them would replace the `ssl` built here: with a CA bundle they are taken out of the URL.
 */
const TLS_PARAMETERS = ["ssl", "sslmode", "sslrootcert", "sslnegotiation", "uselibpqcompat"];
/** Client certificates: not supported with a CA bundle (RDS authenticates by password or IAM). */
const CLIENT_CERTIFICATE_PARAMETERS = ["sslcert", "sslkey"];

/** int8 OID: pg returns it as a string; counts and bigserial ids fit a double. */
const INT8 = 20;

export interface PoolSettings {
  /** Connections the pool opens at most (DATABASE_POOL_MAX). */
  readonly max: number;
  /**
   * PEM certificates of the CAs that sign the server's certificate (DATABASE_CA_FILE's text).
   * Set, the connection is TLS, and the server must present a certificate chained to one of
   * them and naming the URL's host: libpq's verify-full, whatever the URL's sslmode says.
   */
  readonly ca?: string;
  /** A Postgres schema every pooled connection resolves tables in. */
  readonly schema?: string;
  /**
   * The password, asked for at every new connection (DATABASE_PASSWORD_FILE's reader,
   * password-file.ts). Set, the URL must hold none.
   */
  readonly password?: () => Promise<string>;
}

/**
 * The options of a pg pool for `url`. Without `ca`, the URL decides TLS as pg reads it (note
 * that pg-connection-string 2.x treats `sslmode=require` as verify-full against Node's own CA
 * list, which has no RDS CA in it). With `password`, each new connection asks it for the
 * password. Throws {@link ConfigError} for a URL that contradicts `ca`, or holds a password
 * next to `password`.
 *
 * @example
 * new pg.Pool(poolConfig(config.DATABASE_URL, { max: 5, ca: readFileSync(caFile, "utf8") }))
 */
export function poolConfig(url: string, settings: PoolSettings): pg.PoolConfig {
  if (settings.password) requireNoPassword(url);
  return {
    connectionString: settings.ca === undefined ? url : withoutTlsParameters(url),
    ...(settings.password ? { Client: clientWithPassword(settings.password) } : {}),
    ...(settings.ca === undefined ? {} : { ssl: { ca: settings.ca, rejectUnauthorized: true } }),
    max: settings.max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Bounds a query, and a wait for a run's row lock, so a stuck database surfaces as an error.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    // Per connection, so that every pooled client resolves tables in the schema.
    ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
}

/**
 * A pg Client that asks `password` for its password when it connects. pg takes a `password`
 * function (read in Client#_getPassword), but not next to a connectionString: it merges the
 * parsed URL over the options (pg/lib/connection-parameters.js), and pg-connection-string
 * parses a URL without a password as `password: ""`, which replaces the function. The URL
 * stays the one source of host, user, database and TLS; only the password is set after it.
 */
function clientWithPassword(password: () => Promise<string>): typeof pg.Client {
  return class ClientWithPassword extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // pg's own property (non-enumerable, so kept out of logs), replaced after the merge.
      (this as { password?: unknown }).password = password;
    }
  };
}

/** Refuses a URL that holds a password of its own, in its userinfo or as a parameter. */
function requireNoPassword(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("DATABASE_URL: not a URL (a password file needs a postgres:// URL)");
  }
  if (parsed.password !== "" || parsed.searchParams.has("password")) {
    throw new ConfigError(
      "DATABASE_URL holds a password, and DATABASE_PASSWORD_FILE names another: take it out of the URL (postgres://user@host/db)",
    );
  }
}

/** `url` without its TLS parameters; refuses the ones a CA bundle cannot honour. */
function withoutTlsParameters(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("DATABASE_URL: not a URL (a CA bundle needs a postgres:// URL)");
  }
  if (parsed.searchParams.get("sslmode") === "disable") {
    throw new ConfigError("DATABASE_URL says sslmode=disable, but DATABASE_CA_FILE asks for TLS");
  }
  const client = CLIENT_CERTIFICATE_PARAMETERS.filter((p) => parsed.searchParams.has(p));
  if (client.length > 0) {
    throw new ConfigError(
      `DATABASE_URL: ${client.join(", ")} (client certificates) cannot be combined with DATABASE_CA_FILE`,
    );
  }
  for (const parameter of TLS_PARAMETERS) parsed.searchParams.delete(parameter);
  return parsed.toString();
}

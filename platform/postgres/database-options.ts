// A process's database options from its configuration, with the CA bundle read once, at start.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError } from "../config.ts";
import type { DatabaseOptions } from "./database.ts";
import { poolConfig } from "./pool-config.ts";

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

/**
 * Postgres at DATABASE_URL (its CA bundle from DATABASE_CA_FILE, DATABASE_POOL_MAX
 * connections), or PGlite under DATA_HOME. A CA file that cannot be read or holds no
 * certificate, or a URL that contradicts it, is a {@link ConfigError} here, at start, rather
 * than a connection that fails on every retry.
 *
 * @example
 * const store = await PostgresRunStore.open(databaseOptionsFrom(config));
 */
export function databaseOptionsFrom(
  config: Config,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): DatabaseOptions {
  const url = config.DATABASE_URL;
  if (!url) {
    if (config.DATABASE_CA_FILE) {
      throw new ConfigError("DATABASE_CA_FILE is set without DATABASE_URL, the server it is for");
    }
    return { pgliteDir: join(config.DATA_HOME, "pglite") };
  }
  const ca = config.DATABASE_CA_FILE ? readCa(config.DATABASE_CA_FILE, readFile) : undefined;
  // Checks the URL against the bundle now; the pool itself is built when the store opens.
  poolConfig(url, { max: config.DATABASE_POOL_MAX, ca });
  return { url, ca, poolMax: config.DATABASE_POOL_MAX };
}

function readCa(path: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new ConfigError(`DATABASE_CA_FILE: cannot read ${path} (${code})`);
  }
  if (!text.includes(PEM_CERTIFICATE)) {
    throw new ConfigError(`DATABASE_CA_FILE: ${path} holds no PEM certificate`);
  }
  return text;
}

// A process's database options from its configuration: the CA bundle read once, the password file checked, at start.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError } from "../config.ts";
import type { DatabaseOptions } from "./database.ts";
import { passwordFromFile, type ReadText, readPasswordFile } from "./password-file.ts";
import { poolConfig } from "./pool-config.ts";

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

/**
 * Postgres at DATABASE_URL (its CA bundle from DATABASE_CA_FILE, its password from
 * DATABASE_PASSWORD_FILE, DATABASE_POOL_MAX connections), or PGlite under DATA_HOME. A CA
 * file that cannot be read or holds no certificate, a password file that cannot be read or is
 * empty, or a URL that contradicts either, is a {@link ConfigError} here, at start, rather
 * than a connection that fails on every retry. The password file is read again by `readFile`
 * for every new connection (password-file.ts); a failure then fails that connection only.
 *
 * @example
 * const store = await PostgresRunStore.open(databaseOptionsFrom(config));
 */
export function databaseOptionsFrom(
  config: Config,
  readFile: ReadText = (path) => readFileSync(path, "utf8"),
): DatabaseOptions {
  const url = config.DATABASE_URL;
  if (!url) {
    for (const name of ["DATABASE_CA_FILE", "DATABASE_PASSWORD_FILE"] as const) {
      if (config[name]) {
        throw new ConfigError(`${name} is set without DATABASE_URL, the server it is for`);
      }
    }
    return { pgliteDir: join(config.DATA_HOME, "pglite") };
  }
  const ca = config.DATABASE_CA_FILE ? readCa(config.DATABASE_CA_FILE, readFile) : undefined;
  const file = config.DATABASE_PASSWORD_FILE;
  const password = file ? checkedPasswordFile(file, readFile) : undefined;
  // Checks the URL against the bundle and the password now; the pool is built when the store opens.
  poolConfig(url, { max: config.DATABASE_POOL_MAX, ca, password });
  return { url, ca, poolMax: config.DATABASE_POOL_MAX, ...(password ? { password } : {}) };
}

/** The file's reader for the pool, once the file has given a password now. */
function checkedPasswordFile(path: string, readFile: ReadText): () => Promise<string> {
  const now = readPasswordFile(path, readFile);
  if ("problem" in now) throw new ConfigError(now.problem);
  return passwordFromFile(path, readFile);
}

function readCa(path: string, readFile: ReadText): string {
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

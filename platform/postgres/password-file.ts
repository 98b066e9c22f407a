// The database password from a file, read afresh for each new connection, so a rotated Secret reaches the next one.
import { createLogger, type Logger } from "../log.ts";

/**
 * Reads a file's text; throws with a `code` (ENOENT, EACCES, …) when it cannot. Synchronous:
 * the file is a few bytes on the kubelet's tmpfs, read once per new connection.
 */
export type ReadText = (path: string) => string;

/**
 * The password a file holds: its text with one trailing newline taken off, the one that
 * `kubectl create secret --from-file` keeps from an `echo` and an ESO template may end with.
 * Nothing else is trimmed: a space or a second newline would be part of the password.
 */
export function passwordOf(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/**
 * The password in `path`, or why there is none, as a message that names the file and never
 * its content: it cannot be read (with the error's code), or it is empty.
 */
export function readPasswordFile(
  path: string,
  read: ReadText,
): { readonly password: string } | { readonly problem: string } {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    return { problem: `DATABASE_PASSWORD_FILE: cannot read ${path} (${code})` };
  }
  const password = passwordOf(text);
  return password === "" ? { problem: `DATABASE_PASSWORD_FILE: ${path} is empty` } : { password };
}

/**
 * pg's `password` option for DATABASE_PASSWORD_FILE: called by pg for every new connection,
 * it reads the file then, so the kubelet's refresh of a mounted Secret (never an env
 * variable, nor a subPath mount) reaches the next connection; open ones keep theirs. A read
 * that fails (a Secret being swapped) is logged and fails that connection attempt only: the
 * query rejects, and the next attempt reads again.
 *
 * @example
 * const password = passwordFromFile(config.DATABASE_PASSWORD_FILE, (p) => readFileSync(p, "utf8"));
 * new pg.Pool(poolConfig(config.DATABASE_URL, { max: 5, password }));
 */
export function passwordFromFile(
  path: string,
  read: ReadText,
  log: Logger = createLogger("postgres"),
): () => Promise<string> {
  return async () => {
    const result = readPasswordFile(path, read);
    if ("password" in result) return result.password;
    log.warn("no database password for a new connection", { error: result.problem });
    throw new Error(result.problem);
  };
}

// Files that are whole once they exist and survive a power cut: the spool's events and the journal's dead letters.
import { randomUUID } from "node:crypto";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes `text` to `dir/name`: to a temporary name first, flushed with fsync, then renamed
 * into place and the folder flushed, so a reader never sees half a file and the rename
 * itself is durable. The temporary name starts with a dot, for listings to skip.
 */
export async function writeFileDurably(
  dir: string,
  name: string,
  text: string,
  mode = 0o600,
): Promise<void> {
  const temp = join(dir, `.${name}.${randomUUID()}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
  await fsyncDir(dir);
}

/** Makes a folder's entries (a rename, an unlink) durable; a no-op where folders cannot be fsynced. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    // Windows cannot open a folder, and some file systems refuse to fsync one.
    if (!isCode(error, "EISDIR") && !isCode(error, "EPERM") && !isCode(error, "EINVAL")) {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}

/** Whether `error` is a node system error with `code`. */
export function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

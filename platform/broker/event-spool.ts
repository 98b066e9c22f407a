// A folder of accepted events that could not reach the outbox yet: the broker's fallback while the database is down.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../durable-file.ts";

/**
 * Thrown by a drain's `into` for an event no retry can take (it no longer passes the event
 * schema, say): the file is set aside as `.bad` and the drain goes on, where any other error
 * stops it (the outbox is still down) and keeps the event for the next call.
 */
export class UnusableSpooledEvent extends Error {
  override readonly name = "UnusableSpooledEvent";
}

/**
 * One file per event, written to a temporary name, flushed with fsync and renamed into place
 * (then the folder is flushed too), so a file that exists is whole and survives a power cut.
 * Names sort in arrival order. The spool shares nothing with the database: when Postgres
 * is down, the broker still accepts events here and moves them into its outbox later.
 *
 * @example
 * const spool = new EventSpool(".data/spool");
 * await spool.write(event.toJSON());
 * await spool.drain(async (event) => outbox.append(event, triggers));
 */
export class EventSpool {
  readonly #dir: string;
  #seq = 0;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Stores `event` durably; resolves once it is on disk. */
  async write(event: Record<string, unknown>): Promise<void> {
    const name = `${Date.now().toString().padStart(15, "0")}-${String(this.#seq++).padStart(9, "0")}-${randomBytes(4).toString("hex")}.json`;
    await writeFileDurably(this.#dir, name, JSON.stringify(event));
  }

  /** Events waiting, counted from the folder. */
  size(): number {
    return this.#names().length;
  }

  /**
   * Hands each spooled event, oldest first, to `into`, and removes it once `into` resolved.
   * Stops at the first rejection, leaving that event and the later ones for the next call.
   * Returns how many were moved. A file that is not JSON, or whose event `into` rejects with
   * {@link UnusableSpooledEvent}, is renamed `.bad` and skipped.
   */
  async drain(into: (event: Record<string, unknown>) => Promise<void>): Promise<number> {
    let moved = 0;
    for (const name of this.#names()) {
      const path = join(this.#dir, name);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      } catch {
        await rename(path, `${path}.bad`).catch(() => undefined);
        continue;
      }
      try {
        await into(event);
      } catch (error) {
        if (!(error instanceof UnusableSpooledEvent)) throw error;
        await rename(path, `${path}.bad`).catch(() => undefined);
        continue;
      }
      await unlink(path);
      moved++;
    }
    return moved;
  }

  #names(): string[] {
    return readdirSync(this.#dir)
      .filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .sort();
  }
}

// DeadLetterJournal in a folder: one JSON file per letter, written so that a crash never leaves half of one.
import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fsyncDir, isCode, writeFileDurably } from "../durable-file.ts";
import type { DeadLetter } from "../ports.ts";
import {
  checkLease,
  checkLimit,
  DEFAULT_LEASE_MS,
  type DeadLetterJournal,
  deadLetterId,
  entryOf,
  type JournalledLetter,
  journalled,
  parseEntry,
} from "./dead-letter-journal.ts";
import { redactLetter } from "./redact-letter.ts";

/** Where the files go, the lease and the clock. */
export interface FileDeadLetterJournalOptions {
  /** The folder, created if missing; e.g. `join(DATA_HOME, "dead-letters")`. */
  readonly dir: string;
  readonly leaseMs?: number;
  /** Milliseconds since the epoch; names the files, so they sort oldest first. */
  readonly now?: () => number;
}

/** `<journalled at, ms, 15 digits>-<id>.json`: a listing sorted by name is oldest first. */
const LETTER_FILE = /^(\d{15})-([0-9a-f]{64})\.json$/;
/** A file that is not a valid entry is renamed with this suffix, out of the way but kept. */
export const CORRUPT_SUFFIX = ".corrupt";

/**
 * One file per letter under `dir`, for a process with a disk of its own (the embedded stack).
 * A letter is written to a temporary name (a dot file, which listings
 * skip), fsynced, renamed into place and the folder fsynced, so after a crash a letter is
 * either whole or absent. Leases live in this object: one process owns a folder. A file that
 * does not parse is renamed to `*.corrupt` rather than blocking every replay behind it.
 *
 * @example
 * const journal = await FileDeadLetterJournal.open({ dir: join(config.DATA_HOME, "dead-letters") });
 */
export class FileDeadLetterJournal implements DeadLetterJournal {
  readonly #dir: string;
  readonly #leaseMs: number;
  readonly #now: () => number;
  /** Letter id -> when its lease lapses. */
  readonly #leases = new Map<string, number>();
  /** Appends under way by id, so two appends of one letter in this process write one file. */
  readonly #appending = new Map<string, Promise<boolean>>();

  private constructor(options: FileDeadLetterJournalOptions) {
    this.#dir = options.dir;
    this.#leaseMs = checkLease(options.leaseMs ?? DEFAULT_LEASE_MS);
    this.#now = options.now ?? Date.now;
  }

  /** Creates the folder if needed, durably (each new folder's parent is fsynced), and opens it. */
  static async open(options: FileDeadLetterJournalOptions): Promise<FileDeadLetterJournal> {
    const journal = new FileDeadLetterJournal(options);
    const first = await mkdir(options.dir, { recursive: true });
    if (first !== undefined) {
      // From the deepest new folder up to the parent of the first one mkdir made.
      for (let dir = options.dir; ; dir = dirname(dir)) {
        await fsyncDir(dirname(dir));
        if (resolve(dir) === resolve(first) || dirname(dir) === dir) break;
      }
    }
    return journal;
  }

  append(received: DeadLetter): Promise<boolean> {
    const letter = redactLetter(received);
    const id = deadLetterId(letter);
    const pending = this.#appending.get(id);
    if (pending) return pending.then(() => false);
    const write = this.#write(id, letter).finally(() => this.#appending.delete(id));
    this.#appending.set(id, write);
    return write;
  }

  async #write(id: string, letter: DeadLetter): Promise<boolean> {
    if ((await this.#files()).some((f) => f.id === id)) return false;
    const entry = entryOf(letter, this.#now());
    const name = `${String(Date.parse(entry.journalledAt)).padStart(15, "0")}-${id}.json`;
    await writeFileDurably(this.#dir, name, JSON.stringify(entry));
    return true;
  }

  async take(limit: number): Promise<JournalledLetter[]> {
    checkLimit(limit);
    const files = await this.#files();
    // Chosen and leased without an await in between, so two takes of this process never share one.
    const now = this.#now();
    const chosen: { name: string; id: string }[] = [];
    for (const file of files) {
      if (chosen.length === limit) break;
      if ((this.#leases.get(file.id) ?? 0) > now) continue;
      this.#leases.set(file.id, now + this.#leaseMs);
      chosen.push(file);
    }
    const out: JournalledLetter[] = [];
    for (const file of chosen) {
      const path = join(this.#dir, file.name);
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if (isCode(error, "ENOENT")) continue; // removed since the listing
        throw error;
      }
      const entry = parseEntry(text);
      if (entry?.id === file.id) out.push(journalled(entry));
      else {
        this.#leases.delete(file.id);
        await rename(path, `${path}${CORRUPT_SUFFIX}`).catch(() => {});
      }
    }
    return out;
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const wanted = new Set(ids);
    let removed = false;
    for (const file of await this.#files()) {
      if (!wanted.has(file.id)) continue;
      try {
        await unlink(join(this.#dir, file.name));
        removed = true;
      } catch (error) {
        if (!isCode(error, "ENOENT")) throw error;
      }
    }
    for (const id of ids) this.#leases.delete(id);
    if (removed) await fsyncDir(this.#dir);
  }

  async count(): Promise<number> {
    return (await this.#files()).length;
  }

  /** The letter files, oldest first. */
  async #files(): Promise<{ name: string; id: string }[]> {
    const names = (await readdir(this.#dir)).sort();
    const out: { name: string; id: string }[] = [];
    for (const name of names) {
      const match = LETTER_FILE.exec(name);
      if (match) out.push({ name, id: match[2]! });
    }
    return out;
  }
}

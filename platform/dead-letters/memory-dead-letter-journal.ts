// DeadLetterJournal in memory: for unit tests, and the twin the contract holds the real adapters to.
import type { DeadLetter } from "../ports.ts";
import {
  checkLease,
  checkLimit,
  DEFAULT_LEASE_MS,
  type DeadLetterJournal,
  deadLetterId,
  entryOf,
  type JournalEntry,
  type JournalledLetter,
  journalled,
} from "./dead-letter-journal.ts";
import { redactLetter } from "./redact-letter.ts";

/** The lease and the clock; tests pass a manual clock. */
export interface MemoryDeadLetterJournalOptions {
  readonly leaseMs?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

/** Keeps letters in a Map, in the order they came; nothing survives the process. */
export class MemoryDeadLetterJournal implements DeadLetterJournal {
  readonly #entries = new Map<string, JournalEntry>();
  /** Letter id -> when its lease lapses. */
  readonly #leases = new Map<string, number>();
  readonly #leaseMs: number;
  readonly #now: () => number;

  constructor(options: MemoryDeadLetterJournalOptions = {}) {
    this.#leaseMs = checkLease(options.leaseMs ?? DEFAULT_LEASE_MS);
    this.#now = options.now ?? Date.now;
  }

  async append(received: DeadLetter): Promise<boolean> {
    const letter = redactLetter(received);
    const id = deadLetterId(letter);
    if (this.#entries.has(id)) return false;
    this.#entries.set(id, entryOf(letter, this.#now()));
    return true;
  }

  async take(limit: number): Promise<JournalledLetter[]> {
    checkLimit(limit);
    const now = this.#now();
    const out: JournalledLetter[] = [];
    for (const entry of this.#entries.values()) {
      if (out.length === limit) break;
      if ((this.#leases.get(entry.id) ?? 0) > now) continue;
      this.#leases.set(entry.id, now + this.#leaseMs);
      out.push(structuredClone(journalled(entry)));
    }
    return out;
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.#entries.delete(id);
      this.#leases.delete(id);
    }
  }

  async count(): Promise<number> {
    return this.#entries.size;
  }
}

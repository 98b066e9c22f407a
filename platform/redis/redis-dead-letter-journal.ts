// DeadLetterJournal on Redis: a hash of letters and a sorted set of when each may be taken next.
import type { Redis } from "ioredis";
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
} from "../dead-letters/dead-letter-journal.ts";
import { redactLetter } from "../dead-letters/redact-letter.ts";
import type { DeadLetter } from "../ports.ts";

/**
 * Takes up to ARGV[2] letters whose due time (score) is at most ARGV[1] and leases them until
 * ARGV[3], answering id, entry, id, entry, ...: one script, so of two replicas taking at once
 * no letter goes to both. A due id
 * without its letter (which no writer leaves, but a hand-edited key could) is dropped.
 * KEYS[1] letters (hash id -> entry), KEYS[2] due (sorted set id -> ms).
 */
const TAKE_SCRIPT = `
local ids = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[1], "LIMIT", 0, ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  local entry = redis.call("HGET", KEYS[1], id)
  if entry then
    redis.call("ZADD", KEYS[2], "XX", ARGV[3], id)
    out[#out + 1] = id
    out[#out + 1] = entry
  else
    redis.call("ZREM", KEYS[2], id)
  end
end
return out
`;

/** Where the keys live, the lease and the clock. */
export interface RedisDeadLetterJournalOptions {
  /**
   * Prepended to `letters`, `due` and `corrupt`. Default `zixly:{dead-letters}:`: the braces
   * are a cluster hash tag, so the keys share a slot and one script or transaction may use them.
   */
  readonly keyPrefix?: string;
  readonly leaseMs?: number;
  /** Milliseconds since the epoch. Due times are drawn from this clock, not from Redis's. */
  readonly now?: () => number;
}

/**
 * Keeps dead letters in Redis, for the dead-letters function on Knative, whose pod disk does
 * not outlive it but whose Redis is not the Postgres that failed. Letters are the hash
 * `{prefix}letters` (id -> JSON entry); `{prefix}due` orders them by when they may be taken
 * (journalled time, then lease end). An entry that does not parse moves to `{prefix}corrupt`.
 * As durable as the Redis behind it: append-only file or replicas (docs/decisions/0021).
 */
export class RedisDeadLetterJournal implements DeadLetterJournal {
  readonly #redis: Redis;
  readonly #letters: string;
  readonly #due: string;
  readonly #corrupt: string;
  readonly #leaseMs: number;
  readonly #now: () => number;

  constructor(redis: Redis, options: RedisDeadLetterJournalOptions = {}) {
    const prefix = options.keyPrefix ?? "zixly:{dead-letters}:";
    this.#redis = redis;
    this.#letters = `${prefix}letters`;
    this.#due = `${prefix}due`;
    this.#corrupt = `${prefix}corrupt`;
    this.#leaseMs = checkLease(options.leaseMs ?? DEFAULT_LEASE_MS);
    this.#now = options.now ?? Date.now;
  }

  async append(received: DeadLetter): Promise<boolean> {
    const letter = redactLetter(received);
    const now = this.#now();
    const id = deadLetterId(letter);
    // One transaction: a letter is never in the hash without a due time, or the reverse.
    const replies = await this.#redis
      .multi()
      .hsetnx(this.#letters, id, JSON.stringify(entryOf(letter, now)))
      .zadd(this.#due, "NX", now, id)
      .exec();
    return Number(checked(replies)[0]) === 1;
  }

  async take(limit: number): Promise<JournalledLetter[]> {
    checkLimit(limit);
    const now = this.#now();
    const raw = (await this.#redis.eval(
      TAKE_SCRIPT,
      2,
      this.#letters,
      this.#due,
      now,
      limit,
      now + this.#leaseMs,
    )) as string[];
    const out: JournalledLetter[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const [id, text] = [raw[i]!, raw[i + 1]!];
      const entry = parseEntry(text);
      if (entry?.id === id) out.push(journalled(entry));
      else await this.#quarantine(id, text);
    }
    return out;
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const replies = await this.#redis
      .multi()
      .hdel(this.#letters, ...ids)
      .zrem(this.#due, ...ids)
      .exec();
    checked(replies);
  }

  async count(): Promise<number> {
    return this.#redis.hlen(this.#letters);
  }

  /** Moves an unreadable entry out of the way, kept for an operator, so it blocks nothing. */
  async #quarantine(id: string, text: string): Promise<void> {
    checked(
      await this.#redis
        .multi()
        .hset(this.#corrupt, id, text)
        .hdel(this.#letters, id)
        .zrem(this.#due, id)
        .exec(),
    );
  }
}

/** The replies of a transaction, or the first error among them. */
function checked(replies: [Error | null, unknown][] | null): unknown[] {
  if (replies === null) throw new Error("redis transaction aborted");
  const failed = replies.find(([error]) => error)?.[0];
  if (failed) throw failed;
  return replies.map(([, value]) => value);
}

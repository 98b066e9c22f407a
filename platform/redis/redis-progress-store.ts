// ProgressStore on Redis: one hash per run, two fields per shard, expiring a week after the last write.
import type { Redis } from "ioredis";
import type { ProgressStore } from "../ports.ts";

/** A week: long enough for any run, short enough that abandoned runs do not pile up. */
const DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Where the hashes live and how long they outlive their last update. */
export interface RedisProgressStoreOptions {
  /** Prepended to the run id. Default `zixly:progress:`. */
  readonly keyPrefix?: string;
  /** Expiry of a run's hash, refreshed by every `set`. Default 7 days. */
  readonly ttlSeconds?: number;
}

/**
 * Keeps each run's progress in the hash `{prefix}{runId}` with fields `{shard}:done` and
 * `{shard}:total`, so shards write without reading and `get` sums them in one round trip.
 */
export class RedisProgressStore implements ProgressStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;

  constructor(redis: Redis, options: RedisProgressStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? "zixly:progress:";
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  }

  async set(runId: string, shardIndex: number, done: number, total: number): Promise<void> {
    checkProgress(shardIndex, done, total);
    const key = this.#prefix + runId;
    // One transaction, so a hash is never left behind without its expiry.
    const replies = await this.#redis
      .multi()
      .hset(key, `${shardIndex}:done`, done, `${shardIndex}:total`, total)
      .expire(key, this.#ttlSeconds)
      .exec();
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  async get(runId: string): Promise<{ done: number; total: number } | undefined> {
    const fields = await this.#redis.hgetall(this.#prefix + runId);
    let done = 0;
    let total = 0;
    let any = false;
    for (const [field, value] of Object.entries(fields)) {
      any = true;
      if (field.endsWith(":done")) done += Number(value);
      else if (field.endsWith(":total")) total += Number(value);
    }
    return any ? { done, total } : undefined;
  }

  async clear(runId: string): Promise<void> {
    await this.#redis.del(this.#prefix + runId);
  }
}

/** Refuses what would poison the sums; the in-memory store applies the same rule. */
function checkProgress(shardIndex: number, done: number, total: number): void {
  if (!Number.isInteger(shardIndex) || shardIndex < 0) {
    throw new RangeError(`shardIndex must be a whole number >= 0, got ${shardIndex}`);
  }
  if (!Number.isFinite(done) || done < 0 || !Number.isFinite(total) || total < 0) {
    throw new RangeError(`done and total must be finite and >= 0, got ${done} and ${total}`);
  }
}

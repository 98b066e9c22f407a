// ProgressStore in process memory, for the embedded stack and tests; same rules as the Redis one.
import type { ProgressStore } from "../ports.ts";
import { ExpiringMap } from "./expiring-map.ts";

/** A week after its last update a run's progress goes, as the Redis hash does. */
const DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60;

/** One shard's latest report. */
interface ShardProgress {
  readonly done: number;
  readonly total: number;
}

/** How long a run's progress outlives its last update. */
export interface MemoryProgressStoreOptions {
  /** Default 7 days, as in Redis. */
  readonly ttlSeconds?: number;
}

/** Per-shard progress per run, expiring `ttlSeconds` after the run's last `set`. */
export class MemoryProgressStore implements ProgressStore {
  readonly #runs: ExpiringMap<Map<number, ShardProgress>>;
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(now: () => number = Date.now, options: MemoryProgressStoreOptions = {}) {
    this.#now = now;
    this.#ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
    this.#runs = new ExpiringMap(now);
  }

  async set(runId: string, shardIndex: number, done: number, total: number): Promise<void> {
    // The same refusal as RedisProgressStore: a NaN would poison every later sum.
    if (!Number.isInteger(shardIndex) || shardIndex < 0) {
      throw new RangeError(`shardIndex must be a whole number >= 0, got ${shardIndex}`);
    }
    if (!Number.isFinite(done) || done < 0 || !Number.isFinite(total) || total < 0) {
      throw new RangeError(`done and total must be finite and >= 0, got ${done} and ${total}`);
    }
    const shards = this.#runs.get(runId) ?? new Map<number, ShardProgress>();
    shards.set(shardIndex, { done, total });
    this.#runs.set(runId, shards, this.#now() + this.#ttlMs);
  }

  async get(runId: string): Promise<{ done: number; total: number } | undefined> {
    const shards = this.#runs.get(runId);
    if (shards === undefined) return undefined;
    let done = 0;
    let total = 0;
    for (const shard of shards.values()) {
      done += shard.done;
      total += shard.total;
    }
    return { done, total };
  }

  async clear(runId: string): Promise<void> {
    this.#runs.delete(runId);
  }
}

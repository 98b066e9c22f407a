// ReplayGuard on Redis: one key per webhook id, written with SET NX EX so the first writer wins.
import type { Redis } from "ioredis";
import type { ReplayGuard } from "../ports.ts";

/** Where the guard's keys live; tests pass their own to stay apart from each other. */
export interface RedisReplayGuardOptions {
  /** Prepended to every key. Default `zixly:replay:`. */
  readonly keyPrefix?: string;
}

/**
 * Remembers webhook ids in Redis, shared by every replica. `remember` is atomic: of any number of
 * concurrent calls for one key, exactly one returns true.
 */
export class RedisReplayGuard implements ReplayGuard {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: RedisReplayGuardOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? "zixly:replay:";
  }

  async seen(key: string): Promise<boolean> {
    return (await this.#redis.exists(this.#prefix + key)) === 1;
  }

  async remember(key: string, ttlSeconds: number): Promise<boolean> {
    // Checked here, not left to Redis, so that both adapters refuse the same values the same way.
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`ttlSeconds must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    return (await this.#redis.set(this.#prefix + key, "1", "EX", ttlSeconds, "NX")) === "OK";
  }
}

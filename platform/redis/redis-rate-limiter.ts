// RateLimiter on Redis: a fixed-window counter per key and window, counted by a tiny Lua script.

import type { Redis } from "ioredis";
import { fixedWindow, hitResult } from "../fixed-window.ts";
import type { RateLimiter } from "../ports.ts";

/**
 * INCR, and on the window's first hit give the counter its expiry. One script, so a crash or a
 * concurrent caller can never leave a counter without an expiry (which would block the key forever).
 */
const HIT_SCRIPT = `
local count = redis.call("INCR", KEYS[1])
if count == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
return count
`;

/** Where the counters live and which clock draws the windows. */
export interface RedisRateLimiterOptions {
  /** Prepended to every key. Default `zixly:rate:`. */
  readonly keyPrefix?: string;
  /** Milliseconds since the epoch. Windows are cut from this clock, not from Redis's. */
  readonly now?: () => number;
}

/**
 * Counts hits in fixed windows aligned to the epoch (window `i` of `w` seconds covers
 * `[i*w, (i+1)*w)`), shared by every replica. The key is `{prefix}{key}:{windowIndex}`, so a
 * new window starts a fresh counter and the old one expires on its own.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(redis: Redis, options: RedisRateLimiterOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? "zixly:rate:";
    this.#now = options.now ?? Date.now;
  }

  /** `retryAfterSeconds` is the time left in the window (at least 1), on allowed hits too. */
  async hit(
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const window = fixedWindow(this.#now(), limit, windowSeconds);
    const count = Number(
      await this.#redis.eval(
        HIT_SCRIPT,
        1,
        `${this.#prefix}${key}:${window.index}`,
        window.remainingMs,
      ),
    );
    return hitResult(count, limit, window);
  }
}

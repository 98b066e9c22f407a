// RateLimiter in process memory, for the embedded stack and tests; same windows as the Redis one.
import type { RateLimiter } from "../ports.ts";
import { ExpiringMap } from "./expiring-map.ts";

/**
 * Fixed windows aligned to the epoch, one counter per key and window index, each dropped when
 * its window ends; see RedisRateLimiter for the shared rules.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #counts: ExpiringMap<number>;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#counts = new ExpiringMap(now);
  }

  /** `retryAfterSeconds` is the time left in the window (at least 1), on allowed hits too. */
  async hit(
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
    }
    if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw new RangeError(`windowSeconds must be > 0, got ${windowSeconds}`);
    }
    const now = this.#now();
    const windowMs = windowSeconds * 1000;
    const index = Math.floor(now / windowMs);
    const endsAt = (index + 1) * windowMs;
    const counter = `${key}:${index}`;
    const count = (this.#counts.get(counter) ?? 0) + 1;
    this.#counts.set(counter, count, endsAt);
    const remainingMs = Math.max(1, Math.ceil(endsAt - now));
    return {
      allowed: count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
    };
  }
}

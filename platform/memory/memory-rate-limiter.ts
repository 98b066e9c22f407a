// RateLimiter in process memory, for the embedded stack and tests; same windows as the Redis one.
import { fixedWindow, hitResult } from "../fixed-window.ts";
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
    const window = fixedWindow(this.#now(), limit, windowSeconds);
    const counter = `${key}:${window.index}`;
    const count = (this.#counts.get(counter) ?? 0) + 1;
    this.#counts.set(counter, count, window.endsAt);
    return hitResult(count, limit, window);
  }
}

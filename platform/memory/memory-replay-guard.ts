// ReplayGuard in process memory, for the embedded stack and tests; same rules as the Redis one.
import type { ReplayGuard } from "../ports.ts";
import { ExpiringMap } from "./expiring-map.ts";

/** Remembers webhook ids in this process only; expiry follows the injected clock. */
export class MemoryReplayGuard implements ReplayGuard {
  readonly #keys: ExpiringMap<true>;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#keys = new ExpiringMap(now);
  }

  async seen(key: string): Promise<boolean> {
    return this.#keys.get(key) !== undefined;
  }

  async remember(key: string, ttlSeconds: number): Promise<boolean> {
    // The same refusal as RedisReplayGuard, whose SET EX would refuse these values too.
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`ttlSeconds must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    if (this.#keys.get(key) !== undefined) return false;
    this.#keys.set(key, true, this.#now() + ttlSeconds * 1000);
    return true;
  }
}

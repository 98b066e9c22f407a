// A Map whose entries lapse at a deadline, read from an injected clock: the in-memory stand-in for Redis TTLs.

/** Below this size the map never sweeps: a few stale entries cost less than scanning for them. */
const MIN_SWEEP_SIZE = 1024;

/**
 * Entries vanish once the clock reaches their `expiresAt`. Reads drop a lapsed entry on sight;
 * writes sweep the whole map whenever it has doubled since the last sweep, so memory stays
 * within twice the live entries at amortised O(1) per write.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #now: () => number;
  #sweepAtSize = MIN_SWEEP_SIZE;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The live value under `key`, or undefined once it has expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until the clock reads `expiresAt` (milliseconds). */
  set(key: string, value: V, expiresAt: number): void {
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size >= this.#sweepAtSize) this.#sweep();
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Entries held, lapsed ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
    this.#sweepAtSize = Math.max(MIN_SWEEP_SIZE, this.#entries.size * 2);
  }
}

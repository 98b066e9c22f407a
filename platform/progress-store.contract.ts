// The cases every ProgressStore adapter must pass; each adapter's test file runs them against its own make.
import { beforeEach, describe, expect, it } from "vitest";
import type { ProgressStore } from "./ports.ts";

/** One fresh store, with a way to let time pass that suits the adapter. */
export interface ProgressStoreHarness {
  readonly store: ProgressStore;
  /** Lets `ms` pass for the store: a manual clock for memory, a real wait for Redis. */
  advance(ms: number): Promise<void>;
  /** Releases the store and removes whatever it stored. */
  close(): Promise<void>;
}

/**
 * Registers the shared ProgressStore cases under `name`. `make` is called before each case and
 * must return an empty store whose runs expire `ttlSeconds` after their last `set`.
 */
export function runProgressStoreContract(
  name: string,
  make: (options: { ttlSeconds: number }) => Promise<ProgressStoreHarness>,
): void {
  describe(`ProgressStore contract: ${name}`, () => {
    let h: ProgressStoreHarness;
    // Closed by the teardown beforeEach returns: only a harness that was made, and only once.
    beforeEach(async () => {
      const made = await make({ ttlSeconds: 3600 });
      h = made;
      return () => made.close();
    });

    it("knows nothing of an unknown run", async () => {
      expect(await h.store.get("nope")).toBeUndefined();
    });

    it("sums progress over the run's shards", async () => {
      await h.store.set("r", 0, 5, 10);
      await h.store.set("r", 1, 3, 20);
      await h.store.set("r", 2, 0, 30);
      expect(await h.store.get("r")).toEqual({ done: 8, total: 60 });
    });

    it("replaces a shard's earlier report", async () => {
      await h.store.set("r", 0, 5, 10);
      await h.store.set("r", 1, 1, 10);
      await h.store.set("r", 0, 9, 10);
      expect(await h.store.get("r")).toEqual({ done: 10, total: 20 });
    });

    it("reports a run whose shards have done nothing yet", async () => {
      await h.store.set("r", 0, 0, 0);
      expect(await h.store.get("r")).toEqual({ done: 0, total: 0 });
    });

    it("keeps runs apart", async () => {
      await h.store.set("r1", 0, 1, 10);
      await h.store.set("r2", 0, 2, 20);
      expect(await h.store.get("r1")).toEqual({ done: 1, total: 10 });
      expect(await h.store.get("r2")).toEqual({ done: 2, total: 20 });
    });

    it("forgets a run on clear, and clearing an unknown run is fine", async () => {
      await h.store.set("r", 0, 1, 10);
      await h.store.set("other", 0, 2, 20);
      await h.store.clear("r");
      await h.store.clear("nope");
      expect(await h.store.get("r")).toBeUndefined();
      expect(await h.store.get("other")).toEqual({ done: 2, total: 20 });
    });

    it("refuses reports that would poison the sums", async () => {
      await expect(h.store.set("r", -1, 1, 1)).rejects.toThrow(RangeError);
      await expect(h.store.set("r", 0.5, 1, 1)).rejects.toThrow(RangeError);
      await expect(h.store.set("r", 0, Number.NaN, 1)).rejects.toThrow(RangeError);
      await expect(h.store.set("r", 0, 1, -1)).rejects.toThrow(RangeError);
      expect(await h.store.get("r")).toBeUndefined();
    });
  });

  describe(`ProgressStore contract: ${name}, expiry`, () => {
    let h: ProgressStoreHarness;
    // Closed by the teardown beforeEach returns: only a harness that was made, and only once.
    beforeEach(async () => {
      const made = await make({ ttlSeconds: 1 });
      h = made;
      return () => made.close();
    });

    it("drops a run its ttl after the last set, each set starting the ttl again", async () => {
      await h.store.set("r", 0, 1, 10);
      await h.advance(500);
      await h.store.set("r", 1, 2, 10);
      await h.advance(500);
      // A second after the first set: only the refresh keeps the run.
      expect(await h.store.get("r")).toEqual({ done: 3, total: 20 });
      await h.advance(700);
      expect(await h.store.get("r")).toBeUndefined();
    });
  });
}

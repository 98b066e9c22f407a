// The cases every ReplayGuard adapter must pass; each adapter's test file runs them against its own make.
import { beforeEach, describe, expect, it } from "vitest";
import type { ReplayGuard } from "./ports.ts";

/** One fresh guard, with a way to let time pass that suits the adapter. */
export interface ReplayGuardHarness {
  readonly guard: ReplayGuard;
  /** Lets `ms` pass for the guard: a manual clock for memory, a real wait for Redis. */
  advance(ms: number): Promise<void>;
  /** Releases the guard and removes whatever it stored. */
  close(): Promise<void>;
}

/**
 * Registers the shared ReplayGuard cases under `name`. `make` is called before each case and
 * must return a guard that has recorded nothing.
 */
export function runReplayGuardContract(
  name: string,
  make: () => Promise<ReplayGuardHarness>,
): void {
  describe(`ReplayGuard contract: ${name}`, () => {
    let h: ReplayGuardHarness;
    // Closed by the teardown beforeEach returns: only a harness that was made, and only once.
    beforeEach(async () => {
      const made = await make();
      h = made;
      return () => made.close();
    });

    it("has seen nothing at first", async () => {
      expect(await h.guard.seen("a")).toBe(false);
    });

    it("remembers a key and then reports it seen", async () => {
      expect(await h.guard.remember("a", 60)).toBe(true);
      expect(await h.guard.seen("a")).toBe(true);
    });

    it("refuses to remember a key twice", async () => {
      expect(await h.guard.remember("a", 60)).toBe(true);
      expect(await h.guard.remember("a", 60)).toBe(false);
    });

    it("keeps keys independent", async () => {
      await h.guard.remember("a", 60);
      expect(await h.guard.seen("b")).toBe(false);
      expect(await h.guard.remember("b", 60)).toBe(true);
    });

    it("does not record a key by looking at it", async () => {
      expect(await h.guard.seen("a")).toBe(false);
      expect(await h.guard.remember("a", 60)).toBe(true);
    });

    it("lets exactly one of many concurrent remembers win", async () => {
      const wins = await Promise.all(Array.from({ length: 20 }, () => h.guard.remember("a", 60)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it("forgets a key once its ttl has passed, not before", async () => {
      expect(await h.guard.remember("a", 1)).toBe(true);
      await h.advance(500);
      expect(await h.guard.seen("a")).toBe(true);
      expect(await h.guard.remember("a", 1)).toBe(false);
      await h.advance(700);
      expect(await h.guard.seen("a")).toBe(false);
      expect(await h.guard.remember("a", 1)).toBe(true);
    });

    it("refuses a ttl that is not a whole number of seconds >= 1", async () => {
      for (const ttl of [0, -1, 1.5, Number.NaN]) {
        await expect(h.guard.remember("a", ttl)).rejects.toThrow(RangeError);
      }
      expect(await h.guard.seen("a")).toBe(false);
    });
  });
}

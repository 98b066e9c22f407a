// The cases every RateLimiter adapter must pass; each adapter's test file runs them against its own make.
import { beforeEach, describe, expect, it } from "vitest";
import type { RateLimiter } from "./ports.ts";

/** One fresh limiter whose clock the test controls. */
export interface RateLimiterHarness {
  /** Must read its time from a clock that starts at the top of an hour (see ManualClock). */
  readonly limiter: RateLimiter;
  /** Moves the limiter's clock forward by `ms`. */
  advance(ms: number): Promise<void>;
  /** Releases the limiter and removes whatever it stored. */
  close(): Promise<void>;
}

/**
 * Registers the shared RateLimiter cases under `name`. `make` is called before each case and
 * must return a limiter that has counted nothing, its clock at the top of an hour so that the
 * cases know where each window starts.
 */
export function runRateLimiterContract(
  name: string,
  make: () => Promise<RateLimiterHarness>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let h: RateLimiterHarness;
    // Closed by the teardown beforeEach returns: only a harness that was made, and only once.
    beforeEach(async () => {
      const made = await make();
      h = made;
      return () => made.close();
    });

    it("allows exactly `limit` hits in a window, then refuses", async () => {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await h.limiter.hit("k", 3, 60));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
      for (const r of results) {
        expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(r.retryAfterSeconds).toBeLessThanOrEqual(60);
      }
    });

    it("reports the seconds left in the window, rounded up and at least 1", async () => {
      expect((await h.limiter.hit("k", 1, 60)).retryAfterSeconds).toBe(60);
      await h.advance(45_000);
      expect(await h.limiter.hit("k", 1, 60)).toEqual({ allowed: false, retryAfterSeconds: 15 });
      await h.advance(14_900);
      expect(await h.limiter.hit("k", 1, 60)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    });

    it("allows again once a new window starts", async () => {
      await h.limiter.hit("k", 1, 60);
      expect((await h.limiter.hit("k", 1, 60)).allowed).toBe(false);
      await h.advance(60_000);
      expect(await h.limiter.hit("k", 1, 60)).toEqual({ allowed: true, retryAfterSeconds: 60 });
      expect((await h.limiter.hit("k", 1, 60)).allowed).toBe(false);
    });

    it("counts keys separately", async () => {
      expect((await h.limiter.hit("a", 1, 60)).allowed).toBe(true);
      expect((await h.limiter.hit("a", 1, 60)).allowed).toBe(false);
      expect((await h.limiter.hit("b", 1, 60)).allowed).toBe(true);
    });

    it("allows exactly `limit` of many concurrent hits", async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => h.limiter.hit("k", 10, 60)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });

    it("refuses every hit when the limit is 0", async () => {
      expect((await h.limiter.hit("k", 0, 60)).allowed).toBe(false);
    });

    it("refuses a limit or window it cannot honour", async () => {
      await expect(h.limiter.hit("k", -1, 60)).rejects.toThrow(RangeError);
      await expect(h.limiter.hit("k", 1.5, 60)).rejects.toThrow(RangeError);
      for (const window of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(h.limiter.hit("k", 1, window)).rejects.toThrow(RangeError);
      }
    });
  });
}

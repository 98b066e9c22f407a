// RedisRateLimiter against the shared contract on a real server, plus its key layout and expiry.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ManualClock } from "../memory/manual-clock.ts";
import { runRateLimiterContract } from "../rate-limiter.contract.ts";
import { closeRedis } from "./redis-client.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import {
  connectRedis,
  deleteKeys,
  describeWithRedis,
  REDIS_URL,
  uniquePrefix,
} from "./redis-test-support.ts";

describeWithRedis("RedisRateLimiter")("RedisRateLimiter", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    if (redis) await closeRedis(redis);
  });

  // Windows are cut from the limiter's clock, so a manual one crosses them without sleeping.
  runRateLimiterContract("redis", async () => {
    const keyPrefix = uniquePrefix();
    const clock = new ManualClock();
    return {
      limiter: new RedisRateLimiter(redis, { keyPrefix, now: clock.now }),
      advance: async (ms) => clock.advance(ms),
      close: () => deleteKeys(redis, keyPrefix),
    };
  });

  it("counts in `zixly:rate:{key}:{windowIndex}`, expiring when the window ends", async () => {
    const key = `zixly-test-${randomUUID()}`;
    const clock = new ManualClock();
    clock.advance(50_000);
    const counter = `zixly:rate:${key}:${Math.floor(clock.now() / 60_000)}`;
    try {
      const limiter = new RedisRateLimiter(redis, { now: clock.now });
      await limiter.hit(key, 5, 60);
      await limiter.hit(key, 5, 60);
      expect(await redis.get(counter)).toBe("2");
      const pttl = await redis.pttl(counter);
      // Ten seconds were left in the window at the first hit; the second must not extend it.
      expect(pttl).toBeGreaterThan(9_000);
      expect(pttl).toBeLessThanOrEqual(10_000);
    } finally {
      await redis.del(counter);
    }
  });
});

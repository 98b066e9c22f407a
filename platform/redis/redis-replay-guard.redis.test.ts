// RedisReplayGuard against the shared contract on a real server, plus its key layout.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runReplayGuardContract } from "../replay-guard.contract.ts";
import { closeRedis } from "./redis-client.ts";
import { RedisReplayGuard } from "./redis-replay-guard.ts";
import {
  connectRedis,
  deleteKeys,
  describeWithRedis,
  REDIS_URL,
  sleep,
  uniquePrefix,
} from "./redis-test-support.ts";

describeWithRedis("RedisReplayGuard")("RedisReplayGuard", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    if (redis) await closeRedis(redis);
  });

  runReplayGuardContract("redis", async () => {
    const keyPrefix = uniquePrefix();
    return {
      guard: new RedisReplayGuard(redis, { keyPrefix }),
      advance: sleep,
      close: () => deleteKeys(redis, keyPrefix),
    };
  });

  it("stores `zixly:replay:{key}` with the ttl as its expiry", async () => {
    const key = `zixly-test-${randomUUID()}`;
    try {
      expect(await new RedisReplayGuard(redis).remember(key, 60)).toBe(true);
      const ttl = await redis.ttl(`zixly:replay:${key}`);
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
    } finally {
      await redis.del(`zixly:replay:${key}`);
    }
  });
});

// RedisProgressStore against the shared contract on a real server, plus its hash layout and expiry.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runProgressStoreContract } from "../progress-store.contract.ts";
import { closeRedis } from "./redis-client.ts";
import { RedisProgressStore } from "./redis-progress-store.ts";
import {
  connectRedis,
  deleteKeys,
  describeWithRedis,
  REDIS_URL,
  sleep,
  uniquePrefix,
} from "./redis-test-support.ts";

describeWithRedis("RedisProgressStore")("RedisProgressStore", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    if (redis) await closeRedis(redis);
  });

  runProgressStoreContract("redis", async ({ ttlSeconds }) => {
    const keyPrefix = uniquePrefix();
    return {
      store: new RedisProgressStore(redis, { keyPrefix, ttlSeconds }),
      advance: sleep,
      close: () => deleteKeys(redis, keyPrefix),
    };
  });

  it("keeps `zixly:progress:{runId}` as `{shard}:done` and `{shard}:total`, expiring in 7 days", async () => {
    const runId = `zixly-test-${randomUUID()}`;
    const key = `zixly:progress:${runId}`;
    try {
      await new RedisProgressStore(redis).set(runId, 3, 40, 100);
      expect(await redis.hgetall(key)).toEqual({ "3:done": "40", "3:total": "100" });
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 10);
      expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    } finally {
      await redis.del(key);
    }
  });
});

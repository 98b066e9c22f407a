// createRedis and closeRedis against a real server.
import { once } from "node:events";
import { expect, it } from "vitest";
import { closeRedis, createRedis, pingRedis } from "./redis-client.ts";
import { connectRedis, describeWithRedis, REDIS_URL } from "./redis-test-support.ts";

describeWithRedis("createRedis on a live server")("createRedis on a live server", () => {
  it("answers commands once ready, and closeRedis ends it cleanly", async () => {
    const redis = await connectRedis(REDIS_URL!);
    expect(await redis.ping()).toBe("PONG");
    await closeRedis(redis);
    expect(redis.status).toBe("end");
  });

  it("pingRedis is false until ioredis says ready, then true", async () => {
    const redis = createRedis(REDIS_URL!);
    try {
      // Just created: still connecting, and with the offline queue off no command would go.
      expect(redis.status).not.toBe("ready");
      expect(await pingRedis(redis)).toBe(false);
      await once(redis, "ready", { signal: AbortSignal.timeout(3_000) });
      expect(await pingRedis(redis)).toBe(true);
    } finally {
      await closeRedis(redis);
    }
  });
});

// createRedis and closeRedis against a real server.
import { expect, it } from "vitest";
import { closeRedis } from "./redis-client.ts";
import { connectRedis, describeWithRedis, REDIS_URL } from "./redis-test-support.ts";

describeWithRedis("createRedis on a live server")("createRedis on a live server", () => {
  it("answers commands once ready, and closeRedis ends it cleanly", async () => {
    const redis = await connectRedis(REDIS_URL!);
    expect(await redis.ping()).toBe("PONG");
    await closeRedis(redis);
    expect(redis.status).toBe("end");
  });
});

// createRedis with no server behind it: commands fail fast, the outage is logged once. Needs no Redis.
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../log.ts";
import { closeRedis, createRedis, pingRedis } from "./redis-client.ts";
import { RedisProgressStore } from "./redis-progress-store.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { RedisReplayGuard } from "./redis-replay-guard.ts";

/** Nothing listens on port 1, so every connection attempt is refused. */
const UNREACHABLE = "redis://127.0.0.1:1";

/** A logger that keeps its lines for the test to read. */
function recordingLogger(lines: { level: string; message: string }[]): Logger {
  const logger: Logger = {
    debug: (message) => lines.push({ level: "debug", message }),
    info: (message) => lines.push({ level: "info", message }),
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
    child: () => logger,
  };
  return logger;
}

describe("createRedis with Redis unreachable", () => {
  const clients: ReturnType<typeof createRedis>[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((r) => closeRedis(r)));
  });

  it("rejects remember, seen, hit and set within 3 s instead of hanging", async () => {
    const redis = createRedis(UNREACHABLE, recordingLogger([]));
    clients.push(redis);
    const started = Date.now();
    const attempts = [
      new RedisReplayGuard(redis).remember("k", 60),
      new RedisReplayGuard(redis).seen("k"),
      new RedisRateLimiter(redis).hit("k", 10, 60),
      new RedisProgressStore(redis).set("r", 0, 1, 2),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("still rejects fast after reconnect attempts have begun", async () => {
    const redis = createRedis(UNREACHABLE, recordingLogger([]));
    clients.push(redis);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await expect(new RedisReplayGuard(redis).remember("k", 60)).rejects.toThrow();
    await expect(new RedisRateLimiter(redis).hit("k", 10, 60)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("logs the outage once, not once per reconnect attempt", async () => {
    const lines: { level: string; message: string }[] = [];
    const redis = createRedis(UNREACHABLE, recordingLogger(lines));
    clients.push(redis);
    // Backoff of 100, 200 and 400 ms: at least three failed attempts in this time.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(lines).toEqual([{ level: "warn", message: expect.stringContaining("unavailable") }]);
  });

  it("pingRedis says false, at once, while the client is not connected", async () => {
    const redis = createRedis(UNREACHABLE, recordingLogger([]));
    clients.push(redis);
    const started = Date.now();
    expect(await pingRedis(redis)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pingRedis(redis)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("closes a client that never connected, at once", async () => {
    const redis = createRedis(UNREACHABLE, recordingLogger([]));
    const started = Date.now();
    await closeRedis(redis);
    expect(redis.status).toBe("end");
    expect(Date.now() - started).toBeLessThan(500);
  });
});

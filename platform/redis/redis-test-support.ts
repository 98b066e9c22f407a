// Helpers for the Redis test files: skip without REDIS_URL, a ready client, a private key namespace.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Redis } from "ioredis";
import { describe } from "vitest";
import { createRedis } from "./redis-client.ts";

/** The server the `*.redis.test.ts` files use; unset skips them. */
export const REDIS_URL = process.env.REDIS_URL;

/**
 * `describe` when REDIS_URL is set; otherwise `describe.skip`, after a warning that names
 * `suite`, so a green run without Redis does not pass for a tested one.
 */
export function describeWithRedis(suite: string): (name: string, body: () => void) => void {
  if (REDIS_URL) return describe;
  console.warn(
    `Skipping "${suite}": REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379).`,
  );
  return describe.skip;
}

/** A client that is ready for commands: with the offline queue off, earlier ones would fail. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = createRedis(url);
  if (redis.status !== "ready") await once(redis, "ready", { signal: AbortSignal.timeout(3_000) });
  return redis;
}

/** A key prefix no other test, run or process shares. */
export function uniquePrefix(): string {
  return `zixly-test:${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** Real time passing, for Redis TTLs. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

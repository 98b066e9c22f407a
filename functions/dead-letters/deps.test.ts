// dead-letters' wiring: a Redis journal with REDIS_URL, replayed at start, and a pod that stays ready through a database outage.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../platform/config.ts";
import { letterFor } from "../../platform/dead-letters/dead-letter-journal.contract.ts";
import type { FunctionContext } from "../../platform/function-context.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import type { RunStore } from "../../platform/ports.ts";
import { closeRedis } from "../../platform/redis/redis-client.ts";
import { RedisDeadLetterJournal } from "../../platform/redis/redis-dead-letter-journal.ts";
import {
  connectRedis,
  deleteKeys,
  describeWithRedis,
  REDIS_URL,
  uniquePrefix,
} from "../../platform/redis/redis-test-support.ts";
import { flakyStore } from "../test-support/flaky-run-store.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { deadLettersDeps, deadLettersReadiness } from "./deps.ts";

/** Just what the dependencies read of a function context. */
function contextWith(
  store: RunStore,
  env: Record<string, string> = {},
  pingCache?: () => Promise<boolean>,
): FunctionContext {
  return {
    config: loadConfig(env),
    adapters: { store, ...(pingCache ? { pingCache } : {}) },
    log: silentLogger(),
  } as unknown as FunctionContext;
}

const signal = new AbortController().signal;

describe("dead-letters dependencies without REDIS_URL", () => {
  it("have no journal, are built once per context, and need the database to be ready", async () => {
    const flaky = flakyStore(new MemoryRunStore());
    const ctx = contextWith(flaky.store);
    const deps = await deadLettersDeps(ctx);
    expect(deps.journal).toBeUndefined();
    expect(await deadLettersDeps(ctx)).toBe(deps);
    const checks = deadLettersReadiness(ctx);
    expect(Object.keys(checks)).toEqual(["database"]);
    expect(await checks.database!(signal)).toBe(true);
    flaky.fail();
    expect(await checks.database!(signal)).toBe(false);
  });
});

describe("dead-letters readiness with REDIS_URL", () => {
  it("stays ready while either the database or Redis answers, not when both are down", async () => {
    const flaky = flakyStore(new MemoryRunStore());
    let redisUp = true;
    const ctx = contextWith(flaky.store, { REDIS_URL: "redis://unused" }, async () => redisUp);
    const check = deadLettersReadiness(ctx)["database-or-journal"]!;
    expect(await check(signal)).toBe(true);
    flaky.fail();
    expect(await check(signal)).toBe(true);
    redisUp = false;
    expect(await check(signal)).toBe(false);
    flaky.heal();
    expect(await check(signal)).toBe(true);
  });
});

describeWithRedis("dead-letters dependencies")("dead-letters dependencies with REDIS_URL", () => {
  const keyPrefix = uniquePrefix();
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteKeys(redis, keyPrefix);
    await closeRedis(redis);
  });

  it("journal in Redis and move what was journalled into the store as they start", async () => {
    await new RedisDeadLetterJournal(redis, { keyPrefix }).append(letterFor("before-start"));
    const store = new MemoryRunStore();
    const deps = await deadLettersDeps(contextWith(store, { REDIS_URL: REDIS_URL! }), {
      journalKeyPrefix: keyPrefix,
    });
    try {
      expect(deps.journal).toBeInstanceOf(RedisDeadLetterJournal);
      await expect.poll(async () => (await store.deadLetters(10)).length).toBe(1);
      expect(await deps.journal!.count()).toBe(0);
      expect((await store.deadLetters(10))[0]).toMatchObject({ eventId: "before-start" });
    } finally {
      await deps.close();
    }
  });
});

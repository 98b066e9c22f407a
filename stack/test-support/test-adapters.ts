// Test adapters for a whole stack: real Postgres and Redis when configured, PGlite and memory otherwise.
import { randomBytes } from "node:crypto";
import type { Adapters } from "../../platform/adapters.ts";
import { createLogger } from "../../platform/log.ts";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import type { RunStore } from "../../platform/ports.ts";
import { PostgresRunStore } from "../../platform/postgres/postgres-run-store.ts";
import { openTestDatabase } from "../../platform/postgres/test-database.ts";
import { closeRedis, createRedis } from "../../platform/redis/redis-client.ts";
import { RedisProgressStore } from "../../platform/redis/redis-progress-store.ts";
import { RedisRateLimiter } from "../../platform/redis/redis-rate-limiter.ts";
import { RedisReplayGuard } from "../../platform/redis/redis-replay-guard.ts";

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;

/** Which backends the end-to-end tests run against, said once per file. */
export function describeBackends(): string {
  return `database ${DATABASE_URL ? "postgres (DATABASE_URL)" : "PGlite (DATABASE_URL unset)"}, cache ${REDIS_URL ? "redis (REDIS_URL)" : "memory (REDIS_URL unset)"}`;
}

/**
 * Adapters in a fresh Postgres schema (or in-memory PGlite) and under a fresh Redis key
 * prefix (or in memory), with `wrap` around the store for fault injection.
 */
export async function testAdapters(
  wrap: (store: RunStore) => RunStore = (s) => s,
): Promise<Adapters> {
  const database = await openTestDatabase(DATABASE_URL);
  const store = wrap(new PostgresRunStore(database.db));
  const kinds = {
    database: DATABASE_URL ? "postgres" : "pglite",
    cache: REDIS_URL ? "redis" : "memory",
  } as const;
  if (REDIS_URL) {
    const redis = createRedis(REDIS_URL, createLogger("redis"));
    const prefix = `zixly-test-${randomBytes(4).toString("hex")}:`;
    return {
      store,
      replay: new RedisReplayGuard(redis, { keyPrefix: `${prefix}replay:` }),
      rate: new RedisRateLimiter(redis, { keyPrefix: `${prefix}rate:` }),
      progress: new RedisProgressStore(redis, { keyPrefix: `${prefix}progress:` }),
      kinds,
      close: async () => {
        try {
          // A client that never got ready wrote nothing, and with no offline queue it would
          // refuse KEYS: closed straight after a failed start, there is nothing to delete.
          if (redis.status === "ready") {
            const keys = await redis.keys(`${prefix}*`);
            if (keys.length) await redis.del(...keys);
          }
        } finally {
          await closeRedis(redis);
          await database.drop();
        }
      },
    };
  }
  return {
    store,
    replay: new MemoryReplayGuard(),
    rate: new MemoryRateLimiter(),
    progress: new MemoryProgressStore(),
    kinds,
    close: () => database.drop(),
  };
}

/** A store whose `recordShardPart` fails while `down` is true, as Postgres would when down. */
export function faultyStore(store: RunStore, state: { down: boolean; failures: number }): RunStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "recordShardPart" || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        if (state.down) {
          state.failures++;
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        }
        return value.apply(target, args);
      };
    },
  });
}

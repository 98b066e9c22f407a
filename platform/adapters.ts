// Picks the adapters from configuration: Postgres or PGlite, Redis or in-memory stand-ins.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import { MemoryProgressStore } from "./memory/memory-progress-store.ts";
import { MemoryRateLimiter } from "./memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "./memory/memory-replay-guard.ts";
import type { ProgressStore, RateLimiter, ReplayGuard, RunStore } from "./ports.ts";
import { PostgresRunStore } from "./postgres/postgres-run-store.ts";
import { closeRedis, createRedis } from "./redis/redis-client.ts";
import { RedisProgressStore } from "./redis/redis-progress-store.ts";
import { RedisRateLimiter } from "./redis/redis-rate-limiter.ts";
import { RedisReplayGuard } from "./redis/redis-replay-guard.ts";

/** The state adapters of one process. */
export interface Adapters {
  readonly store: RunStore;
  readonly replay: ReplayGuard;
  readonly rate: RateLimiter;
  readonly progress: ProgressStore;
  /** What is behind them, for the start banner and health. */
  readonly kinds: { readonly database: "postgres" | "pglite"; readonly cache: "redis" | "memory" };
  close(): Promise<void>;
}

/**
 * Opens the store (migrating it) and the cache adapters. Without DATABASE_URL the
 * database is PGlite under DATA_HOME; without REDIS_URL the cache is in memory.
 */
export async function openAdapters(config: Config, log: Logger): Promise<Adapters> {
  // PGlite creates its own folder but not the ones above it.
  if (!config.DATABASE_URL) mkdirSync(config.DATA_HOME, { recursive: true });
  const store = await PostgresRunStore.open({
    url: config.DATABASE_URL,
    pgliteDir: config.DATABASE_URL ? undefined : join(config.DATA_HOME, "pglite"),
  });
  if (config.REDIS_URL) {
    const redis = createRedis(config.REDIS_URL, log.child({ component: "redis" }));
    return {
      store,
      replay: new RedisReplayGuard(redis),
      rate: new RedisRateLimiter(redis),
      progress: new RedisProgressStore(redis),
      kinds: { database: config.DATABASE_URL ? "postgres" : "pglite", cache: "redis" },
      close: async () => {
        await closeRedis(redis);
        await store.close();
      },
    };
  }
  return {
    store,
    replay: new MemoryReplayGuard(),
    rate: new MemoryRateLimiter(),
    progress: new MemoryProgressStore(),
    kinds: { database: config.DATABASE_URL ? "postgres" : "pglite", cache: "memory" },
    close: () => store.close(),
  };
}

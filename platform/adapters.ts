// Picks the adapters from configuration: Postgres or PGlite, Redis or in-memory stand-ins.
import { mkdirSync } from "node:fs";
import { type Config, ConfigError } from "./config.ts";
import { keepOpening } from "./health/keep-opening.ts";
import { openingRunStore } from "./health/opening-run-store.ts";
import type { Logger } from "./log.ts";
import { MemoryProgressStore } from "./memory/memory-progress-store.ts";
import { MemoryRateLimiter } from "./memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "./memory/memory-replay-guard.ts";
import type { ProgressStore, RateLimiter, ReplayGuard, RunStore } from "./ports.ts";
import { type DatabaseOptions, pgliteInstalled } from "./postgres/database.ts";
import { databaseOptionsFrom } from "./postgres/database-options.ts";
import { PostgresRunStore } from "./postgres/postgres-run-store.ts";
import { closeRedis, createRedis, pingRedis } from "./redis/redis-client.ts";
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
  /**
   * Whether the cache takes commands now (Redis connected and answering PING), for readiness.
   * Absent when there is nothing to wait for: the cache is this process's memory.
   */
  readonly pingCache?: () => Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens the store (migrating it) and the cache adapters. Without DATABASE_URL the
 * database is PGlite under DATA_HOME; without REDIS_URL the cache is in memory.
 */
export async function openAdapters(config: Config, log: Logger): Promise<Adapters> {
  requireDatabase(config);
  const store = await openStore(config, databaseOptionsFrom(config));
  return withCache(store, config, log);
}

/**
 * The adapters of a function running alone, at once: nothing here waits for a server, so a
 * database or Redis that is down at start never stops the process. The store opens and
 * migrates in the background, retrying with capped backoff, and until then answers every
 * call with Unavailable and `ping` with false; Redis connects (and reconnects) on its own.
 * Readiness reports both (store `ping`, `pingCache`).
 */
export function startAdapters(config: Config, log: Logger): Adapters {
  requireDatabase(config);
  // Read and checked once, now: a bad DATABASE_CA_FILE stops the process at start.
  const options = databaseOptionsFrom(config);
  const opening = keepOpening(() => openStore(config, options), {
    what: "database",
    log: log.child({ component: "postgres" }),
    close: (store) => store.close(),
  });
  return withCache(openingRunStore(opening), config, log);
}

/**
 * Stops a build without PGlite (the functions image) at start when DATABASE_URL is unset:
 * the store would otherwise retry an import that can never succeed.
 */
function requireDatabase(config: Config): void {
  if (!config.DATABASE_URL && !pgliteInstalled()) {
    throw new ConfigError(
      "DATABASE_URL must be set: this build carries no PGlite (docs/decisions/0034-lean-images.md)",
    );
  }
}

function openStore(config: Config, options: DatabaseOptions): Promise<PostgresRunStore> {
  // PGlite creates its own folder but not the ones above it.
  if (!config.DATABASE_URL) mkdirSync(config.DATA_HOME, { recursive: true });
  return PostgresRunStore.open(options);
}

/** `store` with the cache adapters REDIS_URL picks: Redis, or in-memory stand-ins. */
function withCache(store: RunStore, config: Config, log: Logger): Adapters {
  const database = config.DATABASE_URL ? "postgres" : "pglite";
  if (config.REDIS_URL) {
    const redis = createRedis(config.REDIS_URL, log.child({ component: "redis" }));
    return {
      store,
      replay: new RedisReplayGuard(redis),
      rate: new RedisRateLimiter(redis),
      progress: new RedisProgressStore(redis),
      kinds: { database, cache: "redis" },
      pingCache: () => pingRedis(redis),
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
    kinds: { database, cache: "memory" },
    close: () => store.close(),
  };
}

// Builds dead-letters' dependencies from the process's function context: the store, and a Redis journal beside it.
import { once } from "node:events";
import { startJournalReplay } from "../../platform/dead-letters/journal-replayer.ts";
import type { FunctionContext } from "../../platform/function-context.ts";
import type { ReadinessChecks } from "../../platform/health/readiness.ts";
import { closeRedis, createRedis } from "../../platform/redis/redis-client.ts";
import { RedisDeadLetterJournal } from "../../platform/redis/redis-dead-letter-journal.ts";
import type { DeadLettersDeps } from "./handler.ts";

/** The dependencies, and how to let go of what they opened. */
export interface OpenDeadLettersDeps extends DeadLettersDeps {
  /** Stops the journal's replay timer and closes its Redis connection. */
  close(): Promise<void>;
}

/** What tests change: the journal's keys, apart from the deployment's. */
export interface DeadLettersDepsOptions {
  readonly journalKeyPrefix?: string;
}

// One set per context: the dependencies are asked for on every event.
const built = new WeakMap<FunctionContext, Promise<OpenDeadLettersDeps>>();

/** The wait for Redis at start: a cold start must not fail its first letter on a connection not yet made. */
const REDIS_READY_TIMEOUT_MS = 3_000;

/**
 * The store, and with REDIS_URL a Redis journal (Redis is a dependency apart from Postgres,
 * and unlike the pod's disk it outlives the pod), replayed into the store at once and then
 * every 30 s while the process lives. Without REDIS_URL there is no journal: a store fault
 * answers 500 and the broker tries again, as before.
 */
export function deadLettersDeps(
  ctx: FunctionContext,
  options: DeadLettersDepsOptions = {},
): Promise<OpenDeadLettersDeps> {
  let deps = built.get(ctx);
  if (!deps) {
    deps = open(ctx, options);
    built.set(ctx, deps);
  }
  return deps;
}

async function open(
  ctx: FunctionContext,
  options: DeadLettersDepsOptions,
): Promise<OpenDeadLettersDeps> {
  const log = ctx.log.child({ function: "dead-letters" });
  const store = ctx.adapters.store;
  if (!ctx.config.REDIS_URL) {
    log.warn("no REDIS_URL: no dead-letter journal, so letters wait on the database's retries");
    return { store, log, close: async () => {} };
  }
  const redis = createRedis(ctx.config.REDIS_URL, log.child({ component: "redis" }));
  // Commands fail at once until the client is ready (no offline queue). Redis down: go on
  // without waiting; the store may well answer, and the client reconnects on its own.
  if (redis.status !== "ready") {
    await once(redis, "ready", { signal: AbortSignal.timeout(REDIS_READY_TIMEOUT_MS) }).catch(
      () => {},
    );
  }
  const journal = new RedisDeadLetterJournal(redis, { keyPrefix: options.journalKeyPrefix });
  const replayer = startJournalReplay(journal, store, { log });
  return {
    store,
    journal,
    log,
    close: async () => {
      await replayer.stop();
      await closeRedis(redis);
    },
  };
}

/**
 * What dead-letters cannot work without: somewhere to keep a letter. With REDIS_URL that is the
 * store or the journal, so a database outage must not make the pod unready: the activator
 * would then hold every letter until it gives up, and the letters the journal exists for are
 * lost. Without REDIS_URL it is the store alone.
 */
export function deadLettersReadiness(ctx: FunctionContext): ReadinessChecks {
  const { store, pingCache } = ctx.adapters;
  const database = () => store.ping().catch(() => false);
  // pingCache is there exactly when REDIS_URL is set: only then is there a journal.
  if (!pingCache) return { database };
  return {
    "database-or-journal": async () => (await database()) || (await pingCache().catch(() => false)),
  };
}

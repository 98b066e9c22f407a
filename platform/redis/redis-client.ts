// The ioredis client as a server process wants it: fails fast while Redis is down, recovers when it returns.
import { once } from "node:events";
import { Redis } from "ioredis";
import { createLogger, type Logger } from "../log.ts";

/** Longest wait between reconnection attempts; retries never stop, so the process heals itself. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * A client for `url` that never queues a command it cannot send: while Redis is unreachable
 * every command rejects at once, so a webhook answers 503 instead of hanging. Connection
 * errors are logged once per outage (and the recovery once) rather than crashing the process.
 *
 * @example
 * const redis = createRedis(config.REDIS_URL);
 * const guard = new RedisReplayGuard(redis);
 */
export function createRedis(url: string, log: Logger = createLogger("redis")): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    connectTimeout: 2_000,
    // A reply that never comes (a wedged server) must not hold a request open either.
    commandTimeout: 2_000,
    // One resend after a dropped connection, then the caller sees the error.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Capped exponential backoff: 100 ms, 200 ms, ... up to 2 s, forever.
    retryStrategy: (times) => Math.min(100 * 2 ** (times - 1), MAX_RECONNECT_DELAY_MS),
  });
  const where = redactedUrl(url);
  let down = false;
  // Without an `error` listener ioredis reports every failed reconnect; one line per outage is enough.
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    log.warn("redis unavailable; commands fail until it returns", {
      url: where,
      error: error.message,
    });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    log.info("redis available again", { url: where });
  });
  return redis;
}

/**
 * Whether `redis` can take commands now: connected, past ioredis's ready check (`ready`), and
 * answering PING. Never throws. With the offline queue off a client that is still connecting
 * refuses every command, so readiness must wait for this rather than for the process.
 */
export async function pingRedis(redis: Redis): Promise<boolean> {
  if (redis.status !== "ready") return false;
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
}

/**
 * Closes `redis`: QUIT so pending replies arrive, or a hard disconnect when the server is not
 * there or has not let go within `timeoutMs`. Resolves once the socket is closed (or `timeoutMs`
 * has passed and a hard disconnect was issued); never rejects.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === "end") return;
  // Between reconnect attempts there is no socket, so no `end` will come: cancelling the next
  // attempt is all there is to do.
  const hasSocket =
    redis.status === "connecting" || redis.status === "connect" || redis.status === "ready";
  const ended = hasSocket
    ? once(redis, "end", { signal: AbortSignal.timeout(timeoutMs) }).then(
        () => {},
        () => redis.disconnect(),
      )
    : undefined;
  // With the offline queue off, QUIT on a client that is not ready would only reject.
  if (redis.status === "ready") redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
  await ended;
}

/** `url` without its password, fit for a log line. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable url)";
  }
}

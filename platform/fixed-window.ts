// The fixed rate-limit window a hit falls in, shared by the Redis and in-memory limiters.

/** A window aligned to the epoch: its index, and the milliseconds left in it (at least 1). */
export interface FixedWindow {
  readonly index: number;
  readonly endsAt: number;
  readonly remainingMs: number;
}

/** Validates a hit's limit and window, and places `now` (epoch ms) in its window. */
export function fixedWindow(now: number, limit: number, windowSeconds: number): FixedWindow {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  }
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`windowSeconds must be > 0, got ${windowSeconds}`);
  }
  const windowMs = windowSeconds * 1000;
  const index = Math.floor(now / windowMs);
  const endsAt = (index + 1) * windowMs;
  return { index, endsAt, remainingMs: Math.max(1, Math.ceil(endsAt - now)) };
}

/** The answer to a hit: allowed while the count is within the limit, and when to retry. */
export function hitResult(count: number, limit: number, window: FixedWindow) {
  return {
    allowed: count <= limit,
    retryAfterSeconds: Math.max(1, Math.ceil(window.remainingMs / 1000)),
  };
}

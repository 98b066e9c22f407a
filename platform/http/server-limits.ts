// Timeouts of every server we run, sized for webhooks and events rather than node's minutes.
import type { Server } from "node:http";

/** How long a client may take; node's own defaults hold a body for 300 s. */
export interface ServerLimits {
  /** Until the last request header arrived (node answers 408 and closes). */
  readonly headersTimeoutMs: number;
  /** Until the whole request, body included, arrived (node answers 408 and closes). */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * A webhook body is at most a few hundred KiB: a sender that needs more than 30 s to send
 * it, or 10 s to send its headers, is broken or hostile. Responses (the api's event stream
 * included) are not limited by these.
 */
export const WEBHOOK_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/**
 * How often node looks for connections past their header or request timeout. Its default,
 * 30 s, lets a client that stalls hold its socket for up to twice the limit; a check a
 * quarter of the header limit apart (at most 1 s) closes it within the limit and a beat.
 */
export function checkingIntervalFor(limits: ServerLimits): number {
  return Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
}

/**
 * Applies `limits` to `server` and returns it. Call it before `listen`: node starts its
 * timeout check with the interval set at that moment.
 */
export function applyServerLimits<S extends Server>(
  server: S,
  limits: ServerLimits = WEBHOOK_SERVER_LIMITS,
): S {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by node when the server starts listening (lib/_http_server.js).
  (server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    checkingIntervalFor(limits);
  return server;
}

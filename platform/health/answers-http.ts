// A readiness check for a server we only send to: does it answer HTTP at all?
import type { ReadinessCheck } from "./readiness.ts";

/**
 * True when `url` answers a GET with any status: a broker ingress answers 405 to a GET, and
 * that proves it is up and reachable. Only a network error (refused, unresolvable, reset)
 * or `signal` aborting (the readiness timeout) makes it false. Nothing is published.
 *
 * @example
 * readiness({ broker: answersHttp(config.K_SINK) });
 */
export function answersHttp(url: string): ReadinessCheck {
  return async (signal) => {
    try {
      const response = await fetch(url, { method: "GET", signal, redirect: "manual" });
      // The status is all we wanted; let the connection go back to the pool.
      await response.body?.cancel();
      return true;
    } catch {
      return false;
    }
  };
}

// Readiness: named dependency checks behind GET /readyz, each bounded in time and cached.
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Whether one dependency can be used now. It should not throw (a throw counts as down) and
 * should give up when `signal` aborts: the check has then run out of time.
 */
export type ReadinessCheck = (signal: AbortSignal) => Promise<boolean>;

/** Checks by the name /readyz reports them under, e.g. `database`, `redis`, `broker`. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

/** What /readyz answers: every check's state, and ready only when all are ok. */
export interface ReadinessReport {
  readonly status: "ready" | "unready";
  readonly checks: Readonly<Record<string, "ok" | "down">>;
}

export interface ReadinessOptions {
  /** A check that has not answered within this long is down (default 1,000). */
  readonly timeoutMs?: number;
  /** A report is reused for this long, so that frequent probes cost one round (default 1,000). */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** The checks of one process, and the `node:http` handler that reports them. */
export interface Readiness {
  /** Runs the checks, or hands back the report of a round younger than `cacheMs`. */
  report(): Promise<ReadinessReport>;
  /** Answers 200 with a ready report, 503 with an unready one; the caller routes GET /readyz. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Readiness over `checks`. Checks of one round run concurrently; a check still running from an
 * earlier round is awaited again rather than started twice, so a database that hangs never
 * holds more than one of its pool's connections for the probes. No checks means ready.
 *
 * @example
 * const ready = readiness({ database: () => store.ping() });
 * if (req.method === "GET" && path === "/readyz") ready.handler(req, res);
 */
export function readiness(checks: ReadinessChecks, options: ReadinessOptions = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const cacheMs = options.cacheMs ?? 1_000;
  const now = options.now ?? Date.now;
  const running = new Map<string, Promise<boolean>>();
  let last: { readonly at: number; readonly report: ReadinessReport } | undefined;
  let round: Promise<ReadinessReport> | undefined;

  const run = (name: string, check: ReadinessCheck): Promise<boolean> => {
    const pending = running.get(name);
    if (pending) return withTimeout(pending, timeoutMs);
    const controller = new AbortController();
    const result = settle(() => check(controller.signal));
    running.set(name, result);
    void result.then(() => running.delete(name));
    return withTimeout(result, timeoutMs, () => controller.abort());
  };

  const report = (): Promise<ReadinessReport> => {
    if (last && now() - last.at < cacheMs) return Promise.resolve(last.report);
    round ??= (async () => {
      const entries = Object.entries(checks);
      const states = await Promise.all(entries.map(([name, check]) => run(name, check)));
      const result: ReadinessReport = {
        status: states.every(Boolean) ? "ready" : "unready",
        checks: Object.fromEntries(entries.map(([name], i) => [name, states[i] ? "ok" : "down"])),
      };
      last = { at: now(), report: result };
      round = undefined;
      return result;
    })();
    return round;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    void report().then((r) => {
      const body = JSON.stringify(r);
      res.writeHead(r.status === "ready" ? 200 : 503, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        // A probe must see the state of now, not one a proxy kept.
        "cache-control": "no-store",
      });
      res.end(body);
    });
  };

  return { report, handler };
}

/** The check's answer, with a throw (or a non-boolean) taken as down. */
async function settle(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return (await check()) === true;
  } catch {
    return false;
  }
}

/** `result`, or false once `ms` have passed (calling `onTimeout` then). */
function withTimeout(result: Promise<boolean>, ms: number, onTimeout?: () => void) {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      onTimeout?.();
      resolve(false);
    }, ms);
    timer.unref();
  });
  return Promise.race([result, expired]).finally(() => clearTimeout(timer));
}

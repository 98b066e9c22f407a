// GET /runs/events: a Server-Sent Events stream of runs' status and progress, for the dashboard.
import type { NextFunction, Request, Response } from "express";
import { Unauthorized } from "../../../platform/http/http-errors.ts";
import type { Logger } from "../../../platform/log.ts";
import type { ProgressStore, RunRecord, RunStore } from "../../../platform/ports.ts";
import { sameSecret } from "../../../platform/same-secret.ts";
import { runView } from "../run-view.ts";

/** What the stream reads. */
export interface RunEventsDeps {
  readonly store: Pick<RunStore, "listRuns" | "getRun">;
  readonly progress: Pick<ProgressStore, "get">;
  readonly log: Logger;
  /** When set, the stream needs the token, as a bearer header or as `?token=`. */
  readonly apiToken?: string;
  /** Between two reads of the store (default 500 ms). */
  readonly pollMs?: number;
  /** Between two keep-alive comments (default 15 s). */
  readonly heartbeatMs?: number;
}

/** One message of the stream: a run whose status or progress changed. */
export interface RunEvent {
  readonly runId: string;
  readonly status: RunRecord["status"];
  readonly progress: { done: number; total: number };
}

/** Queued or running runs watched at most, per status; a bound on each poll's work. */
const ACTIVE_LIMIT = 100;
/** The newest runs watched whatever their status, so a run that just ended is seen. */
const RECENT = 5;

/**
 * Accepts `Authorization: Bearer <token>` or `?token=<token>`. The query form exists because
 * the browser's EventSource cannot send headers; it is accepted on this read-only route only,
 * since a URL may end up in proxy logs and browser history where a header would not.
 */
function authorized(req: Request, token: string): boolean {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return sameSecret(header.slice("Bearer ".length), token);
  const query = req.query.token;
  return typeof query === "string" && sameSecret(query, token);
}

/**
 * The stream's handler. It reads the store every `pollMs` (never two reads at once) and sends
 * `{runId, status, progress}` for each watched run that changed since the last message, all
 * of them at first. Watched are the queued and running runs and the few newest; a run that
 * leaves those sets is read once more, so its final status is always sent. A comment every
 * `heartbeatMs` keeps proxies from closing an idle stream. Everything stops when the client
 * goes away. Proxies that end long requests (Knative's revision timeout) are harmless:
 * EventSource reconnects by itself after the `retry` delay and gets a fresh snapshot.
 */
export function runEvents(deps: RunEventsDeps) {
  const pollMs = deps.pollMs ?? 500;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;

  const watched = async (active: ReadonlySet<string>): Promise<RunRecord[]> => {
    const [queued, running, recent] = await Promise.all([
      deps.store.listRuns({ status: "queued", limit: ACTIVE_LIMIT, offset: 0 }),
      deps.store.listRuns({ status: "running", limit: ACTIVE_LIMIT, offset: 0 }),
      deps.store.listRuns({ limit: RECENT, offset: 0 }),
    ]);
    const runs = new Map<string, RunRecord>();
    for (const run of [...queued.runs, ...running.runs, ...recent.runs]) runs.set(run.runId, run);
    for (const runId of active) {
      if (runs.has(runId)) continue;
      const run = await deps.store.getRun(runId);
      if (run) runs.set(runId, run);
    }
    return [...runs.values()];
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    if (deps.apiToken && !authorized(req, deps.apiToken)) {
      next(new Unauthorized("missing or wrong bearer token"));
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx and some ingresses buffer responses unless told not to.
      "x-accel-buffering": "no",
    });
    // HEAD (express routes it here): node sends no body, so the head would wait for an end
    // that a stream never has, and the client would hang. The head alone answers it.
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.write("retry: 2000\n\n");

    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const sent = new Map<string, string>();
    let active = new Set<string>();

    const poll = async () => {
      const runs = await watched(active);
      const nextActive = new Set<string>();
      const seen = new Set<string>();
      for (const run of runs) {
        if (closed) return;
        seen.add(run.runId);
        if (run.status === "queued" || run.status === "running") nextActive.add(run.runId);
        const live =
          run.status === "running"
            ? await deps.progress.get(run.runId).catch(() => undefined)
            : undefined;
        const view = runView(run, live);
        const event: RunEvent = { runId: run.runId, status: view.status, progress: view.progress };
        const data = JSON.stringify(event);
        if (sent.get(run.runId) === data) continue;
        sent.set(run.runId, data);
        res.write(`data: ${data}\n\n`);
      }
      // Forget runs no longer watched, so a long-lived stream holds a bounded map.
      for (const runId of sent.keys()) if (!seen.has(runId)) sent.delete(runId);
      active = nextActive;
    };
    const loop = () => {
      poll()
        .catch((error: unknown) =>
          deps.log.warn("run events: poll failed", { error: String(error) }),
        )
        .finally(() => {
          if (!closed) timer = setTimeout(loop, pollMs);
        });
    };
    const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), heartbeatMs);
    res.on("close", () => {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
    });
    loop();
  };
}

// api: runs, progress, results, cancellation, health and the dashboard; bearer auth when configured.
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import { type Publisher, SUMMARY_STATS } from "../../events/index.ts";
import { publishFinal } from "../../platform/final-event.ts";
import { readiness } from "../../platform/health/readiness.ts";
import {
  Conflict,
  InvalidRequest,
  NotFound,
  Unauthorized,
} from "../../platform/http/http-errors.ts";
import { sendError } from "../../platform/http/send-error.ts";
import type { Logger } from "../../platform/log.ts";
import type { JobLauncher, ProgressStore, RunStore } from "../../platform/ports.ts";
import { sameSecret } from "../../platform/same-secret.ts";
import { dashboardRouter } from "./dashboard/dashboard-router.ts";
import { runEvents } from "./dashboard/run-events.ts";
import { runView } from "./run-view.ts";

/** What the api needs. */
export interface ApiDeps {
  readonly store: RunStore;
  readonly progress: ProgressStore;
  readonly launcher: JobLauncher;
  readonly publisher: Publisher;
  readonly log: Logger;
  /**
   * When set, every route but /healthz, /readyz and the dashboard's files needs
   * `Authorization: Bearer <token>`; /runs/events also takes it as `?token=`.
   */
  readonly apiToken?: string;
}

const STATUSES = ["queued", "running", "succeeded", "failed", "rejected", "cancelled"] as const;
const Page = {
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};
const RunsQuery = z.object({ status: z.enum(STATUSES).optional(), ...Page }).strict();
const ResultsQuery = z
  .object({
    sort: z.enum(SUMMARY_STATS).default("sharpeRatio"),
    order: z.enum(["asc", "desc"]).default("desc"),
    ...Page,
  })
  .strict();
const RUN_ID = /^run_[a-z2-7]{26}$/;

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: `query.${i.path.join(".")}`,
    message: i.message,
  }));
  throw new InvalidRequest(
    `invalid query: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    issues,
  );
}

function bearer(token: string) {
  const expected = `Bearer ${token}`;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (sameSecret(req.headers.authorization ?? "", expected)) next();
    else next(new Unauthorized("missing or wrong bearer token"));
  };
}

/** The api's routes as an express Router (functions-framework hands requests to it). */
export function apiRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      fn(req, res).catch(next);

  // Liveness: the process serves. A database outage must not get the api restarted.
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // Readiness: no traffic while the database is away (docs/decisions/0022-readiness.md).
  const ready = readiness({ database: () => deps.store.ping() });
  router.get("/readyz", (req, res) => ready.handler(req, res));
  router.use(dashboardRouter());
  // Before the bearer guard: the stream checks the token itself, header or query (see there).
  router.get("/runs/events", runEvents(deps));
  if (deps.apiToken) router.use(bearer(deps.apiToken));

  const loadRun = async (id: string) => {
    if (!RUN_ID.test(id)) throw new NotFound(`no run "${id}"`);
    const run = await deps.store.getRun(id);
    if (!run) throw new NotFound(`no run "${id}"`);
    return run;
  };

  router.get(
    "/runs",
    wrap(async (req, res) => {
      const q = parseQuery(RunsQuery, req.query);
      const { runs, total } = await deps.store.listRuns(q);
      res.json({ runs: runs.map((r) => runView(r)), total, limit: q.limit, offset: q.offset });
    }),
  );
  router.get(
    "/runs/:id",
    wrap(async (req, res) => {
      const run = await loadRun(String(req.params.id));
      const live =
        run.status === "running"
          ? await deps.progress.get(run.runId).catch(() => undefined)
          : undefined;
      res.json(runView(run, live));
    }),
  );
  router.get(
    "/runs/:id/results",
    wrap(async (req, res) => {
      const run = await loadRun(String(req.params.id));
      const q = parseQuery(ResultsQuery, req.query);
      const results = await deps.store.results(run.runId, q);
      res.json({ runId: run.runId, status: run.status, total: run.rowsRecorded, ...q, results });
    }),
  );
  router.post(
    "/runs/:id/cancel",
    wrap(async (req, res) => {
      const run = await loadRun(String(req.params.id));
      if (!(await deps.store.cancelRun(run.runId))) {
        throw new Conflict(`run ${run.runId} is ${run.status} and cannot be cancelled`);
      }
      await deps.launcher.cancel(run.runId);
      const cancelled = await deps.store.getRun(run.runId);
      // The final event tells notify; if the broker is down now, the cancel still stands.
      if (cancelled)
        await publishFinal(cancelled, deps, "/zixly/api").catch((e: unknown) =>
          deps.log.warn("cancel event not published", { runId: run.runId, error: String(e) }),
        );
      res.json({ runId: run.runId, status: "cancelled" });
    }),
  );
  router.get(
    "/dead-letters",
    wrap(async (req, res) => {
      const q = parseQuery(z.object({ limit: Page.limit }).strict(), req.query);
      res.json({ deadLetters: await deps.store.deadLetters(q.limit) });
    }),
  );
  router.use((req: Request, _res: Response, next: NextFunction) =>
    next(new NotFound(`no route ${req.method} ${req.path}`)),
  );
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) =>
    sendError(res, error, (m, f) => deps.log.error(m, f)),
  );
  return router;
}

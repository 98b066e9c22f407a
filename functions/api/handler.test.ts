// The api's routes over real HTTP with in-memory adapters: listing, views, results, cancel, auth.
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { backtestFailed } from "../../events/index.ts";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { best, completedPart, REQUEST, row, runIdFor } from "../test-support/fixtures.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { type ApiDeps, apiRouter } from "./handler.ts";

/** The JSON bodies the api answers, loosely: each test reads the fields its route sends. */
interface Body {
  readonly error: { code: string; message: string; issues: { path: string; message: string }[] };
  readonly runs: { runId: string; status: string }[];
  readonly results: {
    comboIndex: number;
    params: Record<string, number>;
    stats: Record<string, number | null>;
  }[];
  readonly total: number;
  readonly createdAt: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly [field: string]: unknown;
}

interface Api {
  readonly url: string;
  readonly store: MemoryRunStore;
  readonly progress: MemoryProgressStore;
  readonly launcher: FakeJobLauncher;
  readonly publisher: RecordingPublisher;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: Body }>;
  post(path: string, headers?: Record<string, string>): Promise<{ status: number; body: Body }>;
}

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function startApi(options: Partial<ApiDeps> = {}): Promise<Api> {
  const store = new MemoryRunStore();
  const progress = new MemoryProgressStore();
  const launcher = new FakeJobLauncher();
  const publisher = new RecordingPublisher();
  const deps: ApiDeps = { store, progress, launcher, publisher, log: silentLogger(), ...options };
  server = await listen(express().use(apiRouter(deps)));
  const url = server.url;
  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { method, headers });
    return { status: response.status, body: (await response.json()) as Body };
  };
  return {
    url,
    store,
    progress,
    launcher,
    publisher,
    get: (path, headers) => call("GET", path, headers),
    post: (path, headers) => call("POST", path, headers),
  };
}

/** Creates a run and drives it to `status` through the store, as the functions would. */
async function seed(
  store: MemoryRunStore,
  name: string,
  status: "queued" | "running" | "succeeded" | "failed",
) {
  const runId = runIdFor(name);
  await store.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount: 1,
  });
  if (status === "queued") return runId;
  await store.markRunning(runId);
  if (status === "failed") await store.failRun(runId, "crashed", "shard 0: exit 137");
  if (status === "succeeded") {
    await store.recordShardPart(partInput(runId));
    await store.completeRun(runId);
  }
  return runId;
}

/** Four rows whose returnPct is 3, -1, 7 and 0, in combo order. */
function partInput(runId: string) {
  const data = completedPart(
    runId,
    { index: 0, count: 1 },
    { index: 0, count: 1 },
    [
      row(0, [5, 20], { returnPct: 3, sharpeRatio: 0.3 }),
      row(1, [5, 40], { returnPct: -1, sharpeRatio: -0.1 }),
      row(2, [10, 20], { returnPct: 7, sharpeRatio: 0.7 }),
      row(3, [10, 40], { returnPct: 0, sharpeRatio: 0 }),
    ],
    best(2, [10, 20], 0.7),
  ).data as { rows: ReturnType<typeof row>[]; best: ReturnType<typeof best> };
  return {
    runId,
    shardIndex: 0,
    shardCount: 1,
    partIndex: 0,
    partCount: 1,
    paramNames: ["fast", "slow"],
    rows: data.rows,
    best: data.best,
  };
}

describe("GET /healthz", () => {
  it("answers 200 while the process serves, even with the database down: liveness only", async () => {
    const api = await startApi();
    expect(await api.get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    await api.store.close();
    expect(await api.get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  });
});

describe("GET /readyz", () => {
  it("answers 200 ready with the database ok when the database answers", async () => {
    const api = await startApi();
    expect(await api.get("/readyz")).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok" } },
    });
  });

  it("answers 503 unready with the database down when it does not", async () => {
    const api = await startApi();
    await api.store.close();
    expect(await api.get("/readyz")).toEqual({
      status: 503,
      body: { status: "unready", checks: { database: "down" } },
    });
  });
});

describe("GET /runs", () => {
  it("pages through runs, newest first, and filters by status", async () => {
    const api = await startApi();
    const ids = [
      await seed(api.store, "a", "queued"),
      await seed(api.store, "b", "running"),
      await seed(api.store, "c", "running"),
      await seed(api.store, "d", "succeeded"),
      await seed(api.store, "e", "failed"),
    ];
    const all = await api.get("/runs");
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 5, limit: 50, offset: 0 });
    const order = all.body.runs.map((r) => r.runId);
    expect([...order].sort()).toEqual([...ids].sort());

    const page1 = await api.get("/runs?limit=2");
    const page2 = await api.get("/runs?limit=2&offset=2");
    const page3 = await api.get("/runs?limit=2&offset=4");
    const pages = [page1, page2, page3].map((p) => p.body.runs.map((r) => r.runId));
    expect(pages).toEqual([order.slice(0, 2), order.slice(2, 4), order.slice(4)]);
    expect(page2.body).toMatchObject({ total: 5, limit: 2, offset: 2 });

    const running = await api.get("/runs?status=running");
    expect(running.body.total).toBe(2);
    expect(running.body.runs.map((r) => r.status)).toEqual(["running", "running"]);
    expect((await api.get("/runs?status=cancelled")).body).toMatchObject({ runs: [], total: 0 });
  });

  it("answers 400 naming the query parameter at fault", async () => {
    const api = await startApi();
    const limit = await api.get("/runs?limit=0");
    expect(limit.status).toBe(400);
    expect(limit.body.error.code).toBe("invalid_request");
    expect(limit.body.error.message).toMatch(/^invalid query: query\.limit/);
    expect(limit.body.error.issues[0].path).toBe("query.limit");
    const status = await api.get("/runs?status=done");
    expect([status.status, status.body.error.issues[0].path]).toEqual([400, "query.status"]);
    const extra = await api.get("/runs?colour=red");
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/colour/);
  });
});

describe("GET /runs/:id", () => {
  it("shows a running run with its live progress", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "live", "running");
    await api.progress.set(runId, 0, 3, 4);
    const { status, body } = await api.get(`/runs/${runId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      runId,
      status: "running",
      strategy: "sma-crossover",
      label: "nightly sweep",
      combinations: 4,
      shards: 1,
      progress: { done: 3, total: 4 },
      best: null,
      error: null,
      finishedAt: null,
    });
    expect(body.createdAt).toEqual(expect.any(String));
    expect(body.startedAt).toEqual(expect.any(String));
  });

  it("shows a succeeded run complete, with its best combination and times", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "done", "succeeded");
    const { body } = await api.get(`/runs/${runId}`);
    expect(body).toMatchObject({
      status: "succeeded",
      progress: { done: 4, total: 4 },
      best: { comboIndex: 2, params: { fast: 10, slow: 20 } },
      error: null,
    });
    expect(Date.parse(body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(body.startedAt));
  });

  it("shows a failed run's error", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "broken", "failed");
    const { body } = await api.get(`/runs/${runId}`);
    expect(body).toMatchObject({
      status: "failed",
      error: "shard 0: exit 137",
      errorCode: "crashed",
      progress: { done: 0, total: 4 },
    });
  });

  it("answers 404 for an unknown or malformed id, and for an unknown route", async () => {
    const api = await startApi();
    const unknown = await api.get(`/runs/${runIdFor("nobody")}`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found"]);
    expect((await api.get("/runs/not-a-run-id")).status).toBe(404);
    expect((await api.get("/runs/run_UPPERCASE")).status).toBe(404);
    expect((await api.get("/nowhere")).status).toBe(404);
  });
});

describe("GET /runs/:id/results", () => {
  it("sorts by the chosen statistic in the chosen order and pages", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "results", "succeeded");
    const { status, body } = await api.get(
      `/runs/${runId}/results?sort=returnPct&order=asc&limit=2&offset=1`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      runId,
      status: "succeeded",
      total: 4,
      sort: "returnPct",
      order: "asc",
      limit: 2,
      offset: 1,
    });
    // returnPct ascending: -1 (combo 1), 0 (combo 3), 3 (combo 0), 7 (combo 2); skip one, take two.
    expect(body.results.map((r) => [r.comboIndex, r.stats.returnPct])).toEqual([
      [3, 0],
      [0, 3],
    ]);
    expect(body.results[0].params).toEqual({ fast: 10, slow: 40 });

    const byDefault = await api.get(`/runs/${runId}/results`);
    expect(byDefault.body.results.map((r) => r.comboIndex)).toEqual([2, 0, 3, 1]);
  });

  it("answers 400 for an unknown sort and 404 for an unknown run", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "sorted", "succeeded");
    const bad = await api.get(`/runs/${runId}/results?sort=luck`);
    expect([bad.status, bad.body.error.issues[0].path]).toEqual([400, "query.sort"]);
    expect((await api.get(`/runs/${runId}/results?order=sideways`)).status).toBe(400);
    expect((await api.get(`/runs/${runIdFor("none")}/results`)).status).toBe(404);
  });
});

describe("POST /runs/:id/cancel", () => {
  it("cancels a running run, stops its shards and publishes a cancelled event", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "cancel-me", "running");
    const { status, body } = await api.post(`/runs/${runId}/cancel`);
    expect([status, body]).toEqual([200, { runId, status: "cancelled" }]);
    expect(api.launcher.cancels).toEqual([runId]);
    expect((await api.store.getRun(runId))?.status).toBe("cancelled");
    expect(api.publisher.events).toHaveLength(1);
    const event = api.publisher.events[0];
    expect(event.type).toBe(backtestFailed.type);
    expect(event.id).toBe(`${runId}/cancelled`);
    expect(event.data).toMatchObject({
      runId,
      status: "cancelled",
      code: "cancelled",
      callbackUrl: REQUEST.callbackUrl,
    });
    expect(await api.store.finalEventPublished(runId)).toBe(true);
  });

  it("cancels a queued run too", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "queued", "queued");
    expect((await api.post(`/runs/${runId}/cancel`)).status).toBe(200);
  });

  it("answers 409 for a finished run, or one cancelled already, and 404 for an unknown one", async () => {
    const api = await startApi();
    const done = await seed(api.store, "finished", "succeeded");
    const conflict = await api.post(`/runs/${done}/cancel`);
    expect([conflict.status, conflict.body.error.code]).toEqual([409, "conflict"]);
    expect(conflict.body.error.message).toMatch(/is succeeded and cannot be cancelled/);
    const running = await seed(api.store, "twice", "running");
    await api.post(`/runs/${running}/cancel`);
    expect((await api.post(`/runs/${running}/cancel`)).status).toBe(409);
    expect((await api.post(`/runs/${runIdFor("ghost")}/cancel`)).status).toBe(404);
    expect(api.launcher.cancels).toEqual([running]);
    expect(api.publisher.events).toHaveLength(1);
  });

  it("keeps the cancel when the broker is down", async () => {
    const api = await startApi();
    const runId = await seed(api.store, "no-broker", "running");
    api.publisher.down = true;
    expect((await api.post(`/runs/${runId}/cancel`)).status).toBe(200);
    expect((await api.store.getRun(runId))?.status).toBe("cancelled");
    expect(await api.store.finalEventPublished(runId)).toBe(false);
  });
});

describe("bearer auth", () => {
  it("guards every route but /healthz and /readyz when a token is configured", async () => {
    const api = await startApi({ apiToken: "s3cret-token" });
    const runId = await seed(api.store, "guarded", "running");
    const none = await api.get("/runs");
    expect([none.status, none.body.error.code]).toEqual([401, "unauthorized"]);
    const wrong = await api.get("/runs", { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    const ok = { authorization: "Bearer s3cret-token" };
    expect((await api.get("/runs", ok)).status).toBe(200);
    expect((await api.get(`/runs/${runId}`, ok)).status).toBe(200);
    expect((await api.post(`/runs/${runId}/cancel`)).status).toBe(401);
    expect((await api.store.getRun(runId))?.status).toBe("running");
    expect((await api.get("/healthz")).status).toBe(200);
    expect((await api.get("/readyz")).status).toBe(200);
  });

  it("sends WWW-Authenticate with a 401", async () => {
    const api = await startApi({ apiToken: "s3cret-token" });
    const response = await fetch(`${api.url}/runs`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    await response.arrayBuffer();
  });
});

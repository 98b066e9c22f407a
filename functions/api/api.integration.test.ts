// The api registered with functions-framework as an http function, driven over HTTP.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, runIdFor } from "../test-support/fixtures.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { ApiDeps } from "./handler.ts";
import { API, registerApi } from "./register.ts";

const store = new MemoryRunStore();
const progress = new MemoryProgressStore();
const TOKEN = "api-token-for-tests";
let server: Listening;

beforeAll(async () => {
  registerApi(
    async (): Promise<ApiDeps> => ({
      store,
      progress,
      launcher: new FakeJobLauncher(),
      publisher: new RecordingPublisher(),
      log: silentLogger(),
      apiToken: TOKEN,
    }),
  );
  server = await listen(getTestServer(API));
});
afterAll(() => server?.close());

const auth = { authorization: `Bearer ${TOKEN}` };

describe("api over functions-framework", () => {
  it("answers GET /runs/:id with the run's view", async () => {
    const runId = runIdFor("ff-api");
    await store.createRun({
      runId,
      source: "backtest",
      request: REQUEST,
      combinations: 4,
      shardCount: 2,
    });
    await store.markRunning(runId);
    await progress.set(runId, 1, 2, 2);
    const response = await fetch(`${server.url}/runs/${runId}`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({
      runId,
      status: "running",
      shards: 2,
      progress: { done: 2, total: 4 },
    });
  });

  it("answers JSON errors: 404 for an unknown run, 401 without the token, and /healthz and /readyz open", async () => {
    const missing = await fetch(`${server.url}/runs/${runIdFor("ff-nobody")}`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const anonymous = await fetch(`${server.url}/runs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "unauthorized" } });
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: "ready", checks: { database: "ok" } },
    ]);
  });
});

// dispatch-backtest registered with functions-framework and driven over HTTP with binary-mode CloudEvents.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backtestRequested, toBinaryHttp } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { requestedEvent, runIdFor } from "../test-support/fixtures.ts";
import { type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { DispatchDeps } from "./handler.ts";
import { DISPATCH_BACKTEST, registerDispatch } from "./register.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let launcher: FakeJobLauncher;
let server: Listening;

beforeAll(async () => {
  // Registered once per file: functions-framework keeps one registry per process.
  registerDispatch(
    async (): Promise<DispatchDeps> => ({
      store: flaky.store,
      launcher,
      publisher: new RecordingPublisher(),
      log: silentLogger(),
      sharding: { combinationsPerShard: 2, maxShards: 4 },
      maxCombinations: 1000,
    }),
  );
  server = await listen(getTestServer(DISPATCH_BACKTEST));
});
afterAll(() => server?.close());

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  launcher = new FakeJobLauncher();
});

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(server.url, { method: "POST", headers, body });
  await response.arrayBuffer();
  return response.status;
}

describe("dispatch-backtest over functions-framework", () => {
  it("acknowledges a binary-mode requested event with 204, records the run and launches its shards", async () => {
    const runId = runIdFor("ff-dispatch");
    const { headers, body } = toBinaryHttp(requestedEvent(runId, { combinations: 4 }));
    expect(headers["ce-type"]).toBe(backtestRequested.type);
    // 204 and no body: a plain acknowledgement (a 200 with a CloudEvent body would be republished).
    expect(await post(headers, body)).toBe(204);
    expect((await memory.getRun(runId))?.status).toBe("running");
    expect(launcher.launches.map((l) => [l.runId, l.shards.length])).toEqual([[runId, 2]]);
    // The same delivery again: acknowledged, nothing new launched.
    expect(await post(headers, body)).toBe(204);
    expect(launcher.launches).toHaveLength(1);
  });

  it("acknowledges a poison event (no request) and records it as a rejected run", async () => {
    const runId = runIdFor("ff-poison");
    const { headers } = toBinaryHttp(requestedEvent(runId));
    expect(await post(headers, JSON.stringify({ runId, source: "backtest" }))).toBe(204);
    expect((await memory.getRun(runId))?.status).toBe("rejected");
    expect(launcher.launches).toHaveLength(0);
  });

  it("answers 500 when the store is down, so Knative redelivers", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      flaky.fail();
      const { headers, body } = toBinaryHttp(requestedEvent(runIdFor("ff-db-down")));
      expect(await post(headers, body)).toBe(500);
      expect(launcher.launches).toHaveLength(0);
    } finally {
      quiet.mockRestore();
    }
  });
});

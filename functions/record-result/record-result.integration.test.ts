// record-result registered with functions-framework and driven over HTTP with binary-mode CloudEvents.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backtestCompleted, toBinaryHttp } from "../../events/index.ts";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import {
  best,
  completedPart,
  progressOf,
  REQUEST,
  row,
  runIdFor,
  TRACEPARENT,
} from "../test-support/fixtures.ts";
import { type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { RecordDeps } from "./handler.ts";
import { RECORD_RESULT, registerRecordResult } from "./register.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let progress: MemoryProgressStore;
let publisher: RecordingPublisher;
let server: Listening;

beforeAll(async () => {
  registerRecordResult(
    async (): Promise<RecordDeps> => ({
      store: flaky.store,
      progress,
      publisher,
      launcher: new FakeJobLauncher(),
      log: silentLogger(),
    }),
  );
  server = await listen(getTestServer(RECORD_RESULT));
});
afterAll(() => server?.close());

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  progress = new MemoryProgressStore();
  publisher = new RecordingPublisher();
});

async function deliver(event: Parameters<typeof toBinaryHttp>[0]): Promise<number> {
  const { headers, body } = toBinaryHttp(event);
  const response = await fetch(server.url, { method: "POST", headers, body });
  await response.arrayBuffer();
  return response.status;
}

async function runningRun(runId: string) {
  await memory.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 2,
    shardCount: 1,
  });
  await memory.markRunning(runId);
}

describe("record-result over functions-framework", () => {
  it("stores progress and a shard's only part, finishes the run and publishes completed", async () => {
    const runId = runIdFor("ff-record");
    await runningRun(runId);
    expect(await deliver(progressOf(runId, { index: 0, count: 1 }, 1, 2))).toBe(204);
    expect(await progress.get(runId)).toEqual({ done: 1, total: 2 });

    const part = completedPart(
      runId,
      { index: 0, count: 1 },
      { index: 0, count: 1 },
      [row(0, [5, 20], { sharpeRatio: 0.2 }), row(1, [10, 20], { sharpeRatio: 0.9 })],
      best(1, [10, 20], 0.9),
    );
    expect(await deliver(part)).toBe(204);
    const run = await memory.getRun(runId);
    expect(run).toMatchObject({ status: "succeeded", rowsRecorded: 2, best: { comboIndex: 1 } });
    expect(publisher.events.map((e) => [e.type, e.id, e.traceparent])).toEqual([
      [backtestCompleted.type, `${runId}/completed`, TRACEPARENT],
    ]);

    // Redelivered by the broker: acknowledged, nothing doubled.
    expect(await deliver(part)).toBe(204);
    expect(publisher.events).toHaveLength(1);
    expect((await memory.getRun(runId))?.rowsRecorded).toBe(2);
  });

  it("answers 500 when the store is down, so Knative redelivers, and stores on the retry", async () => {
    const runId = runIdFor("ff-record-down");
    await runningRun(runId);
    const part = completedPart(runId, { index: 0, count: 1 }, { index: 0, count: 1 }, [
      row(0, [5, 20]),
    ]);
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      flaky.fail();
      expect(await deliver(part)).toBe(500);
    } finally {
      quiet.mockRestore();
    }
    flaky.heal();
    expect(await deliver(part)).toBe(204);
    expect((await memory.getRun(runId))?.rowsRecorded).toBe(1);
  });
});

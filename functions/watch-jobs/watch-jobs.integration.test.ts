// watch-jobs registered with functions-framework and driven over HTTP with binary-mode ApiServerSource and PingSource events.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { type CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backtestFailed, shardFailed } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, runIdFor } from "../test-support/fixtures.ts";
import { type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { WatchJobsDeps } from "./handler.ts";
import { registerWatchJobs, WATCH_JOBS } from "./register.ts";
import { failedCondition, jobObject, pingEvent, resourceEvent } from "./test-support/job-events.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let publisher: RecordingPublisher;
let clock: number;
let server: Listening;

beforeAll(async () => {
  registerWatchJobs(
    async (): Promise<WatchJobsDeps> => ({
      store: flaky.store,
      publisher,
      launcher: new FakeJobLauncher(),
      log: silentLogger(),
      deadlineSeconds: 600,
      graceSeconds: 300,
      parallelism: 4,
      now: () => new Date(clock),
    }),
  );
  server = await listen(getTestServer(WATCH_JOBS));
});
afterAll(() => server?.close());

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  publisher = new RecordingPublisher();
  clock = Date.now();
});

/** POSTs `event` in binary mode, as the broker delivers it: attributes and extensions as ce-* headers. */
async function deliver(event: CloudEvent<unknown>): Promise<number> {
  const message = HTTP.binary(event);
  const body = typeof message.body === "string" ? message.body : JSON.stringify(message.body);
  const response = await fetch(server.url, {
    method: "POST",
    headers: message.headers as Record<string, string>,
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function runningRun(runId: string) {
  await memory.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount: 2,
  });
  await memory.markRunning(runId);
}

describe("watch-jobs over functions-framework", () => {
  it("turns the update events of a failed Job into one shard.failed id, with the source's extensions on the wire", async () => {
    const runId = runIdFor("ff-watch");
    await runningRun(runId);
    const failed = failedCondition(
      "DeadlineExceeded",
      "Job was active longer than specified deadline",
    );
    const job = jobObject(runId, { conditions: [failed], failedIndexes: "1" });
    const event = resourceEvent(job);
    expect(HTTP.binary(event).headers).toMatchObject({ "ce-kind": "Job", "ce-namespace": "zixly" });
    expect(await deliver(event)).toBe(204);
    expect(await deliver(resourceEvent(job))).toBe(204);
    expect(publisher.events.map((e) => [e.type, e.id])).toEqual([
      [shardFailed.type, `${runId}/job-failed`],
      [shardFailed.type, `${runId}/job-failed`],
    ]);
    expect(publisher.events[0].data).toMatchObject({
      runId,
      shard: { index: 1, count: 2 },
      code: "deadline",
    });
  });

  it("acknowledges a complete Job, an unlabelled one and data that is no Job", async () => {
    const runId = runIdFor("ff-watch-ignored");
    await runningRun(runId);
    const complete = { type: "Complete", status: "True" };
    expect(await deliver(resourceEvent(jobObject(runId, { conditions: [complete] })))).toBe(204);
    const unlabelled = jobObject(runId, {
      conditions: [
        failedCondition("BackoffLimitExceeded", "Job has reached the specified backoff limit"),
      ],
      labels: {},
    });
    expect(await deliver(resourceEvent(unlabelled))).toBe(204);
    // Only objects and arrays: functions-framework itself answers 500 to a body that parses
    // to a string or null (its background-event middleware uses `in` on it).
    expect(await deliver(resourceEvent({ hello: "world" }))).toBe(204);
    expect(await deliver(resourceEvent([{ kind: "Job" }]))).toBe(204);
    expect(publisher.events).toHaveLength(0);
  });

  it("reaps a run whose Job vanished on a ping, and answers 500 while the store is down", async () => {
    const runId = runIdFor("ff-watch-reaper");
    await runningRun(runId);
    clock = Date.now() + 901_000;
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      flaky.fail();
      expect(await deliver(pingEvent("tick-1"))).toBe(500);
    } finally {
      quiet.mockRestore();
    }
    flaky.heal();
    expect(await deliver(pingEvent("tick-1"))).toBe(204);
    expect((await memory.getRun(runId))?.status).toBe("failed");
    expect(publisher.events.map((e) => [e.type, e.id])).toEqual([
      [backtestFailed.type, `${runId}/failed`],
    ]);
    expect(await deliver(pingEvent("tick-2"))).toBe(204);
    expect(publisher.events).toHaveLength(1);
  });
});

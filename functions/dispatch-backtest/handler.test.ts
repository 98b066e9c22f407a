// dispatch-backtest with in-memory adapters: one run, N shards launched once, poison recorded.
import type { CloudEventV1 } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import { backtestRequested, shardProgress } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, requestedEvent, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { type DispatchDeps, handleRequested, shardCount } from "./handler.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let launcher: FakeJobLauncher;
let deps: DispatchDeps;

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  launcher = new FakeJobLauncher();
  deps = {
    store: flaky.store,
    launcher,
    log: silentLogger(),
    sharding: { combinationsPerShard: 2, maxShards: 3 },
  };
});

/** The data of a requested event, for shardCount. */
function requested(combinations: number, shards?: number) {
  return requestedEvent(runIdFor("count"), {
    combinations,
    request: shards === undefined ? {} : { shards },
  }).data as Parameters<typeof shardCount>[0];
}

describe("shardCount", () => {
  it("defaults to one shard per combinationsPerShard, rounded up", () => {
    expect(shardCount(requested(1), 2000, 16)).toBe(1);
    expect(shardCount(requested(2000), 2000, 16)).toBe(1);
    expect(shardCount(requested(2001), 2000, 16)).toBe(2);
    expect(shardCount(requested(5000), 2000, 16)).toBe(3);
  });

  it("caps the default at maxShards", () => {
    expect(shardCount(requested(1_000_000), 2000, 16)).toBe(16);
  });

  it("lets the request's shards win over the default", () => {
    expect(shardCount(requested(10, 4), 2000, 16)).toBe(4);
    expect(shardCount(requested(10_000, 1), 2000, 16)).toBe(1);
  });

  it("caps any choice by maxShards and by the combinations, so no shard is empty", () => {
    expect(shardCount(requested(10_000, 64), 2000, 16)).toBe(16);
    expect(shardCount(requested(3, 8), 2000, 16)).toBe(3);
    expect(shardCount(requested(3), 1, 16)).toBe(3);
  });
});

describe("handleRequested", () => {
  it("records the run and launches its shards, each with the request and the trace", async () => {
    const runId = runIdFor("launch");
    // 5 combinations, 2 per shard, at most 3 shards -> 3 shards.
    expect(await handleRequested(requestedEvent(runId, { combinations: 5 }), deps)).toBe(
      "launched",
    );
    expect(launcher.launches).toHaveLength(1);
    const { shards } = launcher.launches[0];
    expect(shards.map((s) => [s.runId, s.shardIndex, s.shardCount])).toEqual([
      [runId, 0, 3],
      [runId, 1, 3],
      [runId, 2, 3],
    ]);
    expect(shards[0].request).toEqual(REQUEST);
    expect(shards[0].traceparent).toBe(TRACEPARENT);
    const run = await memory.getRun(runId);
    expect(run).toMatchObject({
      status: "running",
      source: "backtest",
      combinations: 5,
      shardCount: 3,
      strategy: "sma-crossover",
      label: "nightly sweep",
      traceparent: TRACEPARENT,
    });
  });

  it("uses the request's shard count", async () => {
    const runId = runIdFor("chosen");
    await handleRequested(requestedEvent(runId, { combinations: 4, request: { shards: 2 } }), deps);
    expect(launcher.launches[0].shards).toHaveLength(2);
    expect((await memory.getRun(runId))?.shardCount).toBe(2);
  });

  it("ignores a duplicate delivery: no second launch, one run", async () => {
    const event = requestedEvent(runIdFor("dup"));
    expect(await handleRequested(event, deps)).toBe("launched");
    expect(await handleRequested(event, deps)).toBe("duplicate");
    expect(launcher.launches).toHaveLength(1);
    expect((await memory.listRuns({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it("treats the same run under a new event id as a duplicate too", async () => {
    const runId = runIdFor("same-run");
    await handleRequested(requestedEvent(runId, { id: "first" }), deps);
    expect(await handleRequested(requestedEvent(runId, { id: "second" }), deps)).toBe("duplicate");
    expect(launcher.launches).toHaveLength(1);
  });

  it("launches a run left queued by a delivery that crashed before launching", async () => {
    const runId = runIdFor("crashed");
    const event = requestedEvent(runId);
    // What the crashed delivery left behind: the run recorded, nothing launched.
    await memory.createRun({
      runId,
      source: "backtest",
      request: REQUEST,
      combinations: 4,
      shardCount: 2,
    });
    expect(await handleRequested(event, deps)).toBe("launched");
    expect(launcher.launches).toHaveLength(1);
    expect((await memory.getRun(runId))?.status).toBe("running");
  });

  it("throws when the launcher fails, leaves the run queued, and launches on redelivery", async () => {
    const runId = runIdFor("launcher-down");
    const event = requestedEvent(runId);
    launcher.failLaunch = true;
    await expect(handleRequested(event, deps)).rejects.toThrow(/cluster API/);
    expect((await memory.getRun(runId))?.status).toBe("queued");
    launcher.failLaunch = false;
    expect(await handleRequested(event, deps)).toBe("launched");
    expect((await memory.getRun(runId))?.status).toBe("running");
    expect(launcher.launches).toHaveLength(1);
  });

  it("throws when the store is down, so the broker redelivers, and launches nothing", async () => {
    flaky.fail();
    await expect(handleRequested(requestedEvent(runIdFor("db-down")), deps)).rejects.toThrow(
      DatabaseDown,
    );
    expect(launcher.launches).toHaveLength(0);
  });

  it("throws when marking the run running fails; the redelivery finishes the job without a second launch", async () => {
    const runId = runIdFor("mark-fails");
    const event = requestedEvent(runId);
    flaky.fail("markRunning");
    await expect(handleRequested(event, deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleRequested(event, deps)).toBe("launched");
    expect((await memory.getRun(runId))?.status).toBe("running");
    // The second launch call reaches the launcher, whose contract makes it a no-op per run.
    expect(launcher.launches.map((l) => l.runId)).toEqual([runId, runId]);
  });

  it("records an event without a request as a rejected run, with the reason, and acknowledges it", async () => {
    const runId = runIdFor("no-request");
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "evt-no-request",
      source: "/zixly/ingest-webhook",
      type: backtestRequested.type,
      data: { runId, source: "backtest", combinations: 4, receivedAt: "2030-01-01T00:00:00Z" },
    };
    expect(await handleRequested(raw, deps)).toBe("rejected");
    const run = await memory.getRun(runId);
    expect(run).toMatchObject({ status: "rejected", errorCode: "bad_input", source: "backtest" });
    expect(run?.error).toMatch(/request/);
    expect(launcher.launches).toHaveLength(0);
  });

  it("rejects an event of another type, naming the type", async () => {
    const runId = runIdFor("wrong-type");
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "evt-wrong-type",
      source: "/zixly/backtest-job",
      type: shardProgress.type,
      data: { runId, shard: { index: 0, count: 1 }, done: 1, total: 2 },
    };
    expect(await handleRequested(raw, deps)).toBe("rejected");
    const run = await memory.getRun(runId);
    expect(run?.status).toBe("rejected");
    expect(run?.error).toMatch(/unexpected event type com\.zixly\.backtest\.shard\.progress\.v1/);
  });

  it("names a rejected run after the event when the data has no usable run id", async () => {
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "evt-garbage",
      source: "/elsewhere",
      type: "com.example.unknown",
      data: "not even an object",
    };
    expect(await handleRequested(raw, deps)).toBe("rejected");
    const { runs } = await memory.listRuns({ limit: 10, offset: 0 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "rejected", source: "unknown" });
    expect(runs[0].runId).toMatch(/^run_[a-z2-7]{26}$/);
    expect(runs[0].error).toMatch(/unknown event type "com\.example\.unknown"/);
    // A redelivery of the same poison event names the same run: still one.
    expect(await handleRequested(raw, deps)).toBe("rejected");
    expect((await memory.listRuns({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it("throws when recording a rejected run fails, so the poison event is not lost", async () => {
    flaky.fail("rejectRun");
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "evt-bad",
      source: "/zixly/ingest-webhook",
      type: backtestRequested.type,
      data: { runId: runIdFor("bad") },
    };
    await expect(handleRequested(raw, deps)).rejects.toThrow(DatabaseDown);
  });
});

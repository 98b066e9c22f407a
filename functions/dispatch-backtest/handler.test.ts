// dispatch-backtest with in-memory adapters: one run, N shards launched once, poison recorded.
import type { CloudEventV1 } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import { backtestFailed, backtestRequested, shardProgress } from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, requestedEvent, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { type DispatchDeps, handleRequested, shardCount } from "./handler.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let launcher: FakeJobLauncher;
let publisher: RecordingPublisher;
let warnings: { message: string; fields?: Record<string, unknown> }[];
let deps: DispatchDeps;

/** A logger that keeps the warnings and drops the rest. */
function warningsLogger(): Logger {
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message, fields) => void warnings.push({ message, fields }),
    error: () => {},
    child: () => log,
  };
  return log;
}

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  launcher = new FakeJobLauncher();
  publisher = new RecordingPublisher();
  warnings = [];
  deps = {
    store: flaky.store,
    launcher,
    publisher,
    log: warningsLogger(),
    sharding: { combinationsPerShard: 2, maxShards: 3 },
    maxCombinations: 10_000,
  };
});

/** fast 2..30 and slow 31..120, all valid: 29 x 90 = 2,610 combinations. */
const BIG_GRID = { fast: { from: 2, to: 30, step: 1 }, slow: { from: 31, to: 120, step: 1 } };

describe("shardCount", () => {
  it("defaults to one shard per combinationsPerShard, rounded up", () => {
    expect(shardCount(undefined, 1, 2000, 16)).toBe(1);
    expect(shardCount(undefined, 2000, 2000, 16)).toBe(1);
    expect(shardCount(undefined, 2001, 2000, 16)).toBe(2);
    expect(shardCount(undefined, 5000, 2000, 16)).toBe(3);
  });

  it("caps the default at maxShards", () => {
    expect(shardCount(undefined, 1_000_000, 2000, 16)).toBe(16);
  });

  it("lets the request's shards win over the default", () => {
    expect(shardCount(4, 10, 2000, 16)).toBe(4);
    expect(shardCount(1, 10_000, 2000, 16)).toBe(1);
  });

  it("caps any choice by maxShards and by the combinations, so no shard is empty", () => {
    expect(shardCount(64, 10_000, 2000, 16)).toBe(16);
    expect(shardCount(8, 3, 2000, 16)).toBe(3);
    expect(shardCount(undefined, 3, 1, 16)).toBe(3);
  });
});

describe("handleRequested: the recount", () => {
  it("sizes shards and totals by the grid, not by the event's claim of 1 combination", async () => {
    // Regression: a forged `requested` claiming 1 combination started a sweep of 119,301.
    const runId = runIdFor("claims-one");
    const event = requestedEvent(runId, { combinations: 1, request: { params: BIG_GRID } });
    expect(await handleRequested(event, deps)).toBe("launched");
    expect(launcher.launches[0].shards.map((s) => s.shardCount)).toEqual([3, 3, 3]);
    expect(await memory.getRun(runId)).toMatchObject({ combinations: 2610, shardCount: 3 });
    expect(warnings).toContainEqual({
      message: "the event's count of combinations is not its grid's; the recount is used",
      fields: { claimed: 1, counted: 2610 },
    });
  });

  it("warns of nothing when the event's count is the grid's", async () => {
    await handleRequested(requestedEvent(runIdFor("honest"), { combinations: 4 }), deps);
    expect(warnings).toEqual([]);
  });

  it("fails a run over MAX_COMBINATIONS with the reason, launches nothing, and publishes failed once", async () => {
    const runId = runIdFor("over-cap");
    const event = requestedEvent(runId, { combinations: 1, request: { params: BIG_GRID } });
    const capped = { ...deps, maxCombinations: 200 };
    expect(await handleRequested(event, capped)).toBe("refused");
    expect(launcher.launches).toHaveLength(0);
    const run = await memory.getRun(runId);
    expect(run).toMatchObject({
      status: "failed",
      errorCode: "bad_input",
      combinations: 0,
      shardCount: 0,
    });
    expect(run?.error).toBe("params: the grid gives 2610 combinations, more than the cap of 200");
    expect(publisher.events.map((e) => [e.type, e.id])).toEqual([
      [backtestFailed.type, `${runId}/failed`],
    ]);
    expect(publisher.events[0].data).toMatchObject({ code: "bad_input", reason: run?.error });
    // Redelivered: still failed, nothing launched, nothing published again.
    expect(await handleRequested(event, capped)).toBe("refused");
    expect(launcher.launches).toHaveLength(0);
    expect(publisher.events).toHaveLength(1);
  });

  it("publishes a refused run's failed event on redelivery when the first publish failed", async () => {
    const runId = runIdFor("over-cap-broker-down");
    const event = requestedEvent(runId, { request: { params: BIG_GRID } });
    const capped = { ...deps, maxCombinations: 100 };
    publisher.down = true;
    await expect(handleRequested(event, capped)).rejects.toThrow(/broker down/);
    expect((await memory.getRun(runId))?.status).toBe("failed");
    publisher.down = false;
    expect(await handleRequested(event, capped)).toBe("refused");
    expect(publisher.events.map((e) => e.id)).toEqual([`${runId}/failed`]);
    expect(await memory.finalEventPublished(runId)).toBe(true);
  });

  it("fails a run whose product passes 20 times the cap, as ingest would have refused it", async () => {
    const runId = runIdFor("over-cartesian");
    const event = requestedEvent(runId, { request: { params: BIG_GRID } });
    expect(await handleRequested(event, { ...deps, maxCombinations: 100 })).toBe("refused");
    expect((await memory.getRun(runId))?.error).toBe(
      "params: 2610 combinations before constraints, more than 2000",
    );
    expect(launcher.launches).toHaveLength(0);
  });

  it("fails a run whose grid the engine refuses or that has no valid combination", async () => {
    const unknown = runIdFor("unknown-strategy");
    await handleRequested(requestedEvent(unknown, { request: { strategy: "nope" } }), deps);
    expect(await memory.getRun(unknown)).toMatchObject({
      status: "failed",
      errorCode: "bad_input",
    });
    expect((await memory.getRun(unknown))?.error).toMatch(/unknown strategy "nope"/);

    const none = runIdFor("no-combination");
    await handleRequested(
      requestedEvent(none, { request: { params: { fast: [50, 60], slow: [10, 20] } } }),
      deps,
    );
    expect(await memory.getRun(none)).toMatchObject({ status: "failed", combinations: 0 });
    expect((await memory.getRun(none))?.error).toMatch(/no combination satisfies/);
    expect(launcher.launches).toHaveLength(0);
  });

  it("fails a run whose definition the engine refuses, naming each path under strategy", async () => {
    const runId = runIdFor("bad-definition");
    const strategy = { entry: { long: { and: [{ "<": ["close", "nope"] }] } }, size: "all" };
    await handleRequested(requestedEvent(runId, { request: { strategy, params: { x: 1 } } }), deps);
    expect(await memory.getRun(runId)).toMatchObject({
      status: "failed",
      errorCode: "bad_input",
      strategy: "custom",
    });
    expect((await memory.getRun(runId))?.error).toMatch(
      /^strategy\.entry\.long\.and: needs at least 2 conditions; strategy\.size: /,
    );
    expect(launcher.launches).toHaveLength(0);
  });

  it("leaves a run that an earlier delivery launched alone, whatever a later event claims", async () => {
    const runId = runIdFor("launched-then-forged");
    await handleRequested(requestedEvent(runId), deps);
    const forged = requestedEvent(runId, { id: "forged", request: { params: BIG_GRID } });
    expect(await handleRequested(forged, { ...deps, maxCombinations: 100 })).toBe("duplicate");
    expect(await memory.getRun(runId)).toMatchObject({ status: "running", combinations: 4 });
    expect(publisher.events).toHaveLength(0);
  });
});

describe("handleRequested", () => {
  it("records the run and launches its shards, each with the request and the trace", async () => {
    const runId = runIdFor("launch");
    // 5 combinations, 2 per shard, at most 3 shards -> 3 shards.
    const request = { ...REQUEST, params: { fast: [5, 10, 15, 20, 25], slow: 30 } };
    expect(await handleRequested(requestedEvent(runId, { combinations: 5, request }), deps)).toBe(
      "launched",
    );
    expect(launcher.launches).toHaveLength(1);
    const { shards } = launcher.launches[0];
    expect(shards.map((s) => [s.runId, s.shardIndex, s.shardCount])).toEqual([
      [runId, 0, 3],
      [runId, 1, 3],
      [runId, 2, 3],
    ]);
    expect(shards[0].request).toEqual(request);
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

  it("launches a definition's run under its name, every shard carrying the definition", async () => {
    const runId = runIdFor("definition");
    const strategy = {
      name: "dip",
      parameters: { period: { integer: true } },
      entry: { long: { "<": ["close", { sma: { period: { param: "period" } } }] } },
    };
    const request = { ...REQUEST, strategy, params: { period: [10, 20, 30] } };
    await handleRequested(requestedEvent(runId, { combinations: 3, request }), deps);
    const { shards } = launcher.launches[0];
    expect(shards).toHaveLength(2);
    for (const shard of shards) expect(shard.request.strategy).toEqual(strategy);
    expect(await memory.getRun(runId)).toMatchObject({
      status: "running",
      strategy: "dip",
      combinations: 3,
    });
    expect(warnings).toEqual([]);
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

// record-result with in-memory adapters: rows once, the run finished once, its final event published once.
import type { CloudEventV1 } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import {
  backtestCompleted,
  backtestFailed,
  backtestRequested,
  shardCompleted,
} from "../../events/index.ts";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import type { ProgressStore } from "../../platform/ports.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import {
  best,
  completedPart,
  failedShard,
  progressOf,
  REQUEST,
  requestedEvent,
  row,
  runIdFor,
  TRACEPARENT,
} from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleShardEvent, type RecordDeps } from "./handler.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let progress: MemoryProgressStore;
let publisher: RecordingPublisher;
let launcher: FakeJobLauncher;
let deps: RecordDeps;

const RUN = runIdFor("record");
const SHARD0 = { index: 0, count: 2 };
const SHARD1 = { index: 1, count: 2 };
/**
 * Shard 0 in two parts, shard 1 in one: four rows in all. As the engine shards, shard i of 2
 * has every second combination from i: 0 and 2, then 1 and 3.
 */
const parts = {
  s0p0: () =>
    completedPart(
      RUN,
      SHARD0,
      { index: 0, count: 2 },
      [row(0, [5, 20], { sharpeRatio: 0.5 })],
      best(0, [5, 20], 0.5),
    ),
  s0p1: () => completedPart(RUN, SHARD0, { index: 1, count: 2 }, [row(2, [10, 20])]),
  s1p0: () =>
    completedPart(
      RUN,
      SHARD1,
      { index: 0, count: 1 },
      [row(1, [5, 40], { sharpeRatio: 1.5 }), row(3, [10, 40])],
      best(1, [5, 40], 1.5),
    ),
};

/** A run as dispatch leaves it: recorded, launched, running. */
async function runningRun(runId = RUN, shardCount = 2) {
  await memory.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount,
  });
  await memory.markRunning(runId);
}

beforeEach(async () => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  progress = new MemoryProgressStore();
  publisher = new RecordingPublisher();
  launcher = new FakeJobLauncher();
  deps = { store: flaky.store, progress, publisher, launcher, log: silentLogger() };
  await runningRun();
});

describe("handleShardEvent: progress", () => {
  it("stores progress per shard in the ProgressStore", async () => {
    expect(await handleShardEvent(progressOf(RUN, SHARD0, 1, 2), deps)).toBe("progress");
    expect(await handleShardEvent(progressOf(RUN, SHARD1, 2, 2), deps)).toBe("progress");
    expect(await progress.get(RUN)).toEqual({ done: 3, total: 4 });
  });

  it("acknowledges progress when the cache is down: progress is best-effort", async () => {
    const broken: ProgressStore = {
      set: () => Promise.reject(new Error("redis down")),
      get: () => Promise.reject(new Error("redis down")),
      clear: () => Promise.reject(new Error("redis down")),
    };
    expect(
      await handleShardEvent(progressOf(RUN, SHARD0, 1, 2), { ...deps, progress: broken }),
    ).toBe("progress");
  });
});

describe("handleShardEvent: shard.completed", () => {
  it("stores a part's rows", async () => {
    expect(await handleShardEvent(parts.s1p0(), deps)).toBe("stored");
    const run = await memory.getRun(RUN);
    expect(run).toMatchObject({ status: "running", rowsRecorded: 2 });
    const results = await memory.results(RUN, {
      sort: "sharpeRatio",
      order: "desc",
      limit: 10,
      offset: 0,
    });
    expect(results.map((r) => [r.comboIndex, r.params, r.stats.sharpeRatio])).toEqual([
      [1, { fast: 5, slow: 40 }, 1.5],
      [3, { fast: 10, slow: 40 }, 1],
    ]);
    expect(publisher.events).toHaveLength(0);
  });

  it("answers a redelivered part with duplicate and stores no row twice", async () => {
    await handleShardEvent(parts.s0p0(), deps);
    expect(await handleShardEvent(parts.s0p0(), deps)).toBe("duplicate");
    expect((await memory.getRun(RUN))?.rowsRecorded).toBe(1);
  });

  it("finishes the run on the last part of the last shard, once, with the best of the shards", async () => {
    await progress.set(RUN, 0, 1, 2);
    expect(await handleShardEvent(parts.s0p0(), deps)).toBe("stored");
    expect(await handleShardEvent(parts.s1p0(), deps)).toBe("stored");
    expect(publisher.events).toHaveLength(0);
    expect(await handleShardEvent(parts.s0p1(), deps)).toBe("completed");

    const run = await memory.getRun(RUN);
    expect(run).toMatchObject({ status: "succeeded", rowsRecorded: 4 });
    expect(run?.best).toMatchObject({ comboIndex: 1, params: { fast: 5, slow: 40 } });
    expect(publisher.events).toHaveLength(1);
    const event = publisher.events[0];
    expect(event.type).toBe(backtestCompleted.type);
    expect(event.id).toBe(`${RUN}/completed`);
    expect(event.source).toBe("/zixly/record-result");
    expect(event.traceparent).toBe(TRACEPARENT);
    expect(event.data).toMatchObject({
      runId: RUN,
      status: "succeeded",
      strategy: "sma-crossover",
      combinations: 4,
      callbackUrl: REQUEST.callbackUrl,
      label: REQUEST.label,
      best: { params: { fast: 5, slow: 40 }, stats: { sharpeRatio: 1.5, returnPct: 15 } },
    });
    expect(await memory.finalEventPublished(RUN)).toBe(true);
    expect(await progress.get(RUN)).toBeUndefined();

    // Every part redelivered after the run finished: nothing more goes out.
    for (const part of Object.values(parts)) {
      expect(await handleShardEvent(part(), deps)).toBe("duplicate");
    }
    expect(publisher.events).toHaveLength(1);
    expect((await memory.getRun(RUN))?.rowsRecorded).toBe(4);
  });

  it("publishes the completed event on redelivery when the first publish failed", async () => {
    await handleShardEvent(parts.s0p0(), deps);
    await handleShardEvent(parts.s1p0(), deps);
    publisher.down = true;
    await expect(handleShardEvent(parts.s0p1(), deps)).rejects.toThrow(/broker down/);
    expect((await memory.getRun(RUN))?.status).toBe("succeeded");
    expect(await memory.finalEventPublished(RUN)).toBe(false);

    publisher.down = false;
    expect(await handleShardEvent(parts.s0p1(), deps)).toBe("completed");
    expect(publisher.events.map((e) => e.id)).toEqual([`${RUN}/completed`]);
    expect(await memory.finalEventPublished(RUN)).toBe(true);
    expect(await handleShardEvent(parts.s0p1(), deps)).toBe("duplicate");
    expect(publisher.events).toHaveLength(1);
  });

  it("completes a run whose parts all arrived before dispatch marked it running", async () => {
    // Regression: dispatch launches, then marks the run running; when that mark is late
    // (its database write failed and the broker retried), fast shards finish first, and
    // completeRun, which needs a running run, used to leave the run unfinished for good.
    const runId = runIdFor("early-shards");
    await memory.createRun({
      runId,
      source: "backtest",
      request: REQUEST,
      combinations: 1,
      shardCount: 1,
    });
    const only = completedPart(runId, { index: 0, count: 1 }, { index: 0, count: 1 }, [
      row(0, [5, 20]),
    ]);
    expect(await handleShardEvent(only, deps)).toBe("completed");
    expect((await memory.getRun(runId))?.status).toBe("succeeded");
    expect(publisher.events.map((e) => e.id)).toEqual([`${runId}/completed`]);
  });

  it("throws when the store is down, so the broker redelivers and the rows land later", async () => {
    flaky.fail();
    await expect(handleShardEvent(parts.s1p0(), deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleShardEvent(parts.s1p0(), deps)).toBe("stored");
    expect((await memory.getRun(RUN))?.rowsRecorded).toBe(2);
  });

  it("throws when finishing the run fails, and finishes it on redelivery", async () => {
    await handleShardEvent(parts.s0p0(), deps);
    await handleShardEvent(parts.s1p0(), deps);
    flaky.fail("completeRun");
    await expect(handleShardEvent(parts.s0p1(), deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleShardEvent(parts.s0p1(), deps)).toBe("completed");
    expect(publisher.events).toHaveLength(1);
  });
});

describe("handleShardEvent: shard.failed", () => {
  it("fails the run with the shard's reason, cancels the other shards and publishes failed once", async () => {
    expect(await handleShardEvent(failedShard(RUN, SHARD1), deps)).toBe("failed");
    const run = await memory.getRun(RUN);
    expect(run).toMatchObject({
      status: "failed",
      errorCode: "crashed",
      error: "shard 1: exit 137",
    });
    expect(launcher.cancels).toEqual([RUN]);
    expect(publisher.events).toHaveLength(1);
    const event = publisher.events[0];
    expect(event.type).toBe(backtestFailed.type);
    expect(event.id).toBe(`${RUN}/failed`);
    expect(event.data).toMatchObject({
      runId: RUN,
      status: "failed",
      code: "crashed",
      reason: "shard 1: exit 137",
      callbackUrl: REQUEST.callbackUrl,
      label: REQUEST.label,
    });

    expect(await handleShardEvent(failedShard(RUN, SHARD1), deps)).toBe("duplicate");
    expect(await handleShardEvent(failedShard(RUN, SHARD0), deps)).toBe("duplicate");
    expect(publisher.events).toHaveLength(1);
    expect(launcher.cancels).toEqual([RUN]);
    expect((await memory.getRun(RUN))?.error).toBe("shard 1: exit 137");
  });

  it("publishes failed on redelivery when the first publish failed", async () => {
    publisher.down = true;
    await expect(handleShardEvent(failedShard(RUN, SHARD0), deps)).rejects.toThrow(/broker down/);
    publisher.down = false;
    expect(await handleShardEvent(failedShard(RUN, SHARD0), deps)).toBe("failed");
    expect(publisher.events.map((e) => e.id)).toEqual([`${RUN}/failed`]);
    expect(launcher.cancels).toEqual([RUN]);
  });

  it("ignores a shard failure for a run that already succeeded", async () => {
    for (const part of Object.values(parts)) await handleShardEvent(part(), deps);
    expect(await handleShardEvent(failedShard(RUN, SHARD0), deps)).toBe("ignored");
    expect((await memory.getRun(RUN))?.status).toBe("succeeded");
    expect(publisher.events.map((e) => e.type)).toEqual([backtestCompleted.type]);
  });

  it("throws when the store is down", async () => {
    flaky.fail();
    await expect(handleShardEvent(failedShard(RUN, SHARD0), deps)).rejects.toThrow(DatabaseDown);
    expect(publisher.events).toHaveLength(0);
  });
});

describe("handleShardEvent: events their run contradicts", () => {
  /** A part of shard 0 (combinations 0 and 2 of 4) with `patch` over its data. */
  function forgedPart(patch: Record<string, unknown>) {
    const event = parts.s0p0();
    return event.cloneWith({ data: { ...(event.data as Record<string, unknown>), ...patch } });
  }

  it.each([
    ["another shard count", { shard: { index: 0, count: 3 } }],
    ["a row of another shard", { rows: [row(1, [5, 40])] }],
    ["a row past the run's combinations", { rows: [row(4, [5, 40])] }],
    [
      "more rows than the shard has",
      { rows: [row(0, [5, 20]), row(0, [5, 20]), row(2, [10, 20])] },
    ],
    ["more parts than the shard could need", { part: { index: 0, count: 500 } }],
    ["a row wider than paramNames", { rows: [[0, [5, 20, 1], row(0, [5, 20])[2]]] }],
    ["a best of another shard", { best: best(1, [5, 40], 9) }],
    [
      "more evaluated than the shard has",
      { metrics: { evaluated: 3, elapsedMs: 1, barEvaluationsPerSecond: 1 } },
    ],
  ])("drops a shard.completed with %s, storing nothing", async (_, patch) => {
    expect(await handleShardEvent(forgedPart(patch), deps)).toBe("invalid");
    const run = await memory.getRun(RUN);
    expect(run).toMatchObject({ status: "running", rowsRecorded: 0 });
    // The real parts still complete the run: the forged one blocked nothing.
    for (const part of Object.values(parts)) await handleShardEvent(part(), deps);
    expect(await memory.getRun(RUN)).toMatchObject({ status: "succeeded", rowsRecorded: 4 });
  });

  it("drops a shard.failed with another shard count: the run goes on", async () => {
    expect(await handleShardEvent(failedShard(RUN, { index: 2, count: 3 }), deps)).toBe("invalid");
    expect((await memory.getRun(RUN))?.status).toBe("running");
    expect(launcher.cancels).toEqual([]);
    expect(publisher.events).toHaveLength(0);
  });

  it("drops progress whose total is not the shard's, or past its total", async () => {
    expect(await handleShardEvent(progressOf(RUN, SHARD0, 1, 119_301), deps)).toBe("invalid");
    expect(await handleShardEvent(progressOf(RUN, SHARD0, 3, 2), deps)).toBe("invalid");
    expect(await handleShardEvent(progressOf(RUN, { index: 0, count: 1 }, 1, 4), deps)).toBe(
      "invalid",
    );
    expect(await progress.get(RUN)).toBeUndefined();
  });

  it("ignores shard events of a run that does not exist", async () => {
    const ghost = runIdFor("ghost");
    expect(
      await handleShardEvent(
        completedPart(ghost, SHARD0, { index: 0, count: 1 }, [row(0, [5, 20])]),
        deps,
      ),
    ).toBe("ignored");
    expect(await handleShardEvent(failedShard(ghost, SHARD0), deps)).toBe("ignored");
    expect(await handleShardEvent(progressOf(ghost, SHARD0, 1, 2), deps)).toBe("ignored");
    expect(await memory.getRun(ghost)).toBeUndefined();
    expect(await progress.get(ghost)).toBeUndefined();
  });

  it("drops progress, without throwing, when the run cannot be read", async () => {
    flaky.fail();
    expect(await handleShardEvent(progressOf(RUN, SHARD0, 1, 2), deps)).toBe("ignored");
    flaky.heal();
    expect(await progress.get(RUN)).toBeUndefined();
  });
});

describe("handleShardEvent: events it cannot use", () => {
  it("acknowledges an event whose data breaks the schema as invalid, without throwing", async () => {
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "bad-rows",
      source: "/zixly/backtest-job",
      type: shardCompleted.type,
      // A row with 2 statistics instead of 9.
      data: {
        runId: RUN,
        shard: SHARD0,
        part: { index: 0, count: 1 },
        paramNames: ["fast", "slow"],
        rows: [[0, [5, 20], [1, 2]]],
      },
    };
    expect(await handleShardEvent(raw, deps)).toBe("invalid");
    expect((await memory.getRun(RUN))?.rowsRecorded).toBe(0);
  });

  it("acknowledges an unknown event type as invalid", async () => {
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "x",
      source: "/elsewhere",
      type: "com.example.other",
      data: {},
    };
    expect(await handleShardEvent(raw, deps)).toBe("invalid");
  });

  it("ignores one of our events that is not a shard event", async () => {
    expect(await handleShardEvent(requestedEvent(RUN), deps)).toBe("ignored");
    expect(backtestRequested.type).toBe(requestedEvent(RUN).type);
  });
});

// The reaper with in-memory adapters: stale runs failed and announced once, fresh ones left alone.
import { beforeEach, describe, expect, it } from "vitest";
import { type BacktestFailed, backtestCompleted, backtestFailed } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleWatchEvent, type WatchJobsDeps } from "./handler.ts";
import { reap } from "./reaper.ts";
import { failedCondition, jobObject, pingEvent, resourceEvent } from "./test-support/job-events.ts";

const DEADLINE_S = 600;
const GRACE_S = 300;
/** Just past one wave's deadline and the grace. */
const STALE_MS = (DEADLINE_S + GRACE_S + 1) * 1000;

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let publisher: RecordingPublisher;
let launcher: FakeJobLauncher;
let clock: number;
let deps: WatchJobsDeps;

async function run(name: string, options: { shardCount?: number; start?: boolean } = {}) {
  const runId = runIdFor(name);
  await memory.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount: options.shardCount ?? 2,
    traceparent: TRACEPARENT,
  });
  if (options.start ?? true) await memory.markRunning(runId);
  return runId;
}

/** Moves the reaper's clock `ms` past now. */
const later = (ms: number) => {
  clock = Date.now() + ms;
};

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  publisher = new RecordingPublisher();
  launcher = new FakeJobLauncher();
  clock = Date.now();
  deps = {
    store: flaky.store,
    publisher,
    launcher,
    log: silentLogger(),
    deadlineSeconds: DEADLINE_S,
    graceSeconds: GRACE_S,
    parallelism: 4,
    now: () => new Date(clock),
  };
});

describe("the reaper", () => {
  it("ends a run whose Job vanished, and publishes its failed event once", async () => {
    const runId = await run("vanished");
    // The Job is deleted (TTL, kubectl delete) before any shard reported: watch-jobs ignores that.
    const deleted = resourceEvent(jobObject(runId), "delete");
    expect(await handleWatchEvent(deleted, deps)).toBe("ignored");

    later(STALE_MS);
    expect(await handleWatchEvent(pingEvent(), deps)).toBe("reaped");
    const failed = await memory.getRun(runId);
    expect(failed).toMatchObject({
      status: "failed",
      errorCode: "deadline",
      error: `no result within ${GRACE_S} s of the deadline (${DEADLINE_S} s); the Job is gone or stuck`,
    });
    expect(launcher.cancels).toEqual([runId]);
    expect(publisher.events).toHaveLength(1);
    const [event] = publisher.events;
    expect(event.type).toBe(backtestFailed.type);
    expect(event.id).toBe(`${runId}/failed`);
    expect(event.source).toBe("/zixly/watch-jobs");
    expect(event.traceparent).toBe(TRACEPARENT);
    expect(event.data).toMatchObject({
      runId,
      status: "failed",
      code: "deadline",
      reason: failed?.error ?? undefined,
      callbackUrl: REQUEST.callbackUrl,
      label: REQUEST.label,
    } satisfies Partial<BacktestFailed>);
    expect(await memory.finalEventPublished(runId)).toBe(true);

    // Later ticks, and a redelivered one, find nothing more to do.
    later(STALE_MS * 3);
    await handleWatchEvent(pingEvent(), deps);
    await handleWatchEvent(pingEvent(), deps);
    expect(publisher.events).toHaveLength(1);
  });

  it("leaves a stale run alone while the launcher still holds its shards, and reaps it once it lets go", async () => {
    const holding = new FakeJobLauncher({ holds: true });
    deps = { ...deps, launcher: holding };
    const runId = await run("queued-behind-others");
    holding.held!.add(runId);
    later(STALE_MS * 5);
    await reap(deps);
    expect((await memory.getRun(runId))?.status).toBe("running");
    holding.held!.delete(runId);
    await reap(deps);
    expect(await memory.getRun(runId)).toMatchObject({ status: "failed", errorCode: "deadline" });
  });

  it("leaves runs within their deadline and grace alone", async () => {
    const runId = await run("fresh");
    later(STALE_MS - 2000);
    expect(await reap(deps)).toEqual({ reaped: 0, announced: 0, unpublished: 0 });
    expect((await memory.getRun(runId))?.status).toBe("running");
    expect(publisher.events).toHaveLength(0);
  });

  it("ends a run that never left the queue, counting from its creation", async () => {
    const runId = await run("never-started", { start: false });
    later(STALE_MS);
    expect(await reap(deps)).toMatchObject({ reaped: 1 });
    expect((await memory.getRun(runId))?.status).toBe("failed");
  });

  it("allows a run of several waves of pods one deadline per wave, as its Job's activeDeadlineSeconds", async () => {
    // 10 shards at 4 pods at a time: three waves, 1,800 s.
    const runId = await run("waves", { shardCount: 10 });
    later(STALE_MS);
    expect(await reap(deps)).toMatchObject({ reaped: 0 });
    later((3 * DEADLINE_S + GRACE_S - 1) * 1000);
    expect(await reap(deps)).toMatchObject({ reaped: 0 });
    later((3 * DEADLINE_S + GRACE_S + 1) * 1000);
    expect(await reap(deps)).toMatchObject({ reaped: 1 });
    expect((await memory.getRun(runId))?.error).toContain("deadline (1800 s)");
  });

  it("leaves finished runs alone", async () => {
    const done = await run("done");
    await memory.completeRun(done);
    await memory.markFinalEventPublished(done);
    const failed = await run("failed-by-shard");
    await memory.failRun(failed, "crashed", "shard 0: exit 1");
    await memory.markFinalEventPublished(failed);
    later(STALE_MS * 2);
    expect(await reap(deps)).toEqual({ reaped: 0, announced: 0, unpublished: 0 });
    expect((await memory.getRun(done))?.status).toBe("succeeded");
    expect((await memory.getRun(failed))?.error).toBe("shard 0: exit 1");
    expect(launcher.cancels).toEqual([]);
  });

  it("fails the run even when the broker is down, and announces it on a tick after the grace", async () => {
    const runId = await run("broker-down");
    publisher.down = true;
    later(STALE_MS);
    expect(await reap(deps)).toEqual({ reaped: 0, announced: 0, unpublished: 1 });
    expect((await memory.getRun(runId))?.status).toBe("failed");
    expect(await memory.finalEventPublished(runId)).toBe(false);

    publisher.down = false;
    // The store stamped finishedAt with the real clock: within the grace after it, the
    // run's own publisher (record-result, the api, this reaper) may still be at it.
    later((GRACE_S - 2) * 1000);
    expect(await reap(deps)).toMatchObject({ announced: 0 });
    later((GRACE_S + 1) * 1000);
    expect(await reap(deps)).toMatchObject({ announced: 1 });
    expect(publisher.events.map((e) => e.id)).toEqual([`${runId}/failed`]);
    expect(await reap(deps)).toMatchObject({ announced: 0 });
    expect(publisher.events).toHaveLength(1);
  });

  it("publishes a completed event that record-result never got out", async () => {
    const runId = await run("lost-completed");
    await memory.completeRun(runId);
    later((GRACE_S + 1) * 1000);
    expect(await reap(deps)).toEqual({ reaped: 0, announced: 1, unpublished: 0 });
    expect(publisher.events.map((e) => [e.type, e.id])).toEqual([
      [backtestCompleted.type, `${runId}/completed`],
    ]);
  });

  it("takes at most `batch` runs a tick and the rest on the next", async () => {
    const ids = [await run("batch-a"), await run("batch-b"), await run("batch-c")];
    later(STALE_MS);
    expect(await reap({ ...deps, batch: 2 })).toMatchObject({ reaped: 2 });
    expect(await reap({ ...deps, batch: 2 })).toMatchObject({ reaped: 1 });
    const statuses = await Promise.all(ids.map(async (id) => (await memory.getRun(id))?.status));
    expect(statuses).toEqual(["failed", "failed", "failed"]);
  });

  it("throws when the store is down, so the broker redelivers the tick", async () => {
    const runId = await run("store-down");
    later(STALE_MS);
    flaky.fail("staleRuns");
    await expect(handleWatchEvent(pingEvent(), deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleWatchEvent(pingEvent(), deps)).toBe("reaped");
    expect((await memory.getRun(runId))?.status).toBe("failed");
  });

  it("does not reap a run a Job failure report finished first", async () => {
    const runId = await run("reported");
    const failed = failedCondition(
      "DeadlineExceeded",
      "Job was active longer than specified deadline",
    );
    await handleWatchEvent(resourceEvent(jobObject(runId, { conditions: [failed] })), deps);
    // record-result turns the report into the failed run and publishes its final event.
    await memory.failRun(runId, "deadline", "shard 0: Job failed: DeadlineExceeded");
    await memory.markFinalEventPublished(runId);
    later(STALE_MS);
    expect(await reap(deps)).toEqual({ reaped: 0, announced: 0, unpublished: 0 });
    expect((await memory.getRun(runId))?.error).toBe("shard 0: Job failed: DeadlineExceeded");
  });
});

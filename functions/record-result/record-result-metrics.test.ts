// record-result turns the Jobs' reports into metrics: shards finished, their figures, run durations.
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryProgressStore } from "../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { sample } from "../../platform/metrics/test-support/sample.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { completedPart, failedShard, REQUEST, row, runIdFor } from "../test-support/fixtures.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleShardEvent, type RecordDeps } from "./handler.ts";

let store: MemoryRunStore;
let deps: RecordDeps;

async function runningRun(name: string, shardCount: number): Promise<string> {
  const runId = runIdFor(name);
  await store.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount,
  });
  await store.markRunning(runId);
  return runId;
}

beforeEach(() => {
  store = new MemoryRunStore();
  deps = {
    store,
    progress: new MemoryProgressStore(),
    publisher: new RecordingPublisher(),
    launcher: new FakeJobLauncher(),
    log: silentLogger(),
  };
});

const succeeded = { outcome: "succeeded", reason: "none" };

describe("record-result metrics", () => {
  it("counts a shard once at its part 0 with its figures, and a finished run's duration once", async () => {
    const runId = await runningRun("metrics-ok", 2);
    const shards = await sample("zixly_shards_finished_total", succeeded);
    const rates = await sample("zixly_shard_bar_evaluations_per_second_count");
    const runs = await sample("zixly_run_duration_seconds_count", { status: "succeeded" });
    const s0p0 = () =>
      completedPart(runId, { index: 0, count: 2 }, { index: 0, count: 2 }, [row(0, [5, 20])]);
    const s0p1 = () =>
      completedPart(runId, { index: 0, count: 2 }, { index: 1, count: 2 }, [row(2, [10, 20])]);
    const s1p0 = () =>
      completedPart(runId, { index: 1, count: 2 }, { index: 0, count: 1 }, [row(1, [5, 40])]);

    await handleShardEvent(s0p0(), deps);
    await handleShardEvent(s0p0(), deps); // a redelivery
    await handleShardEvent(s0p1(), deps); // not part 0: the shard is counted already
    expect(await sample("zixly_shards_finished_total", succeeded)).toBe(shards + 1);
    expect(await sample("zixly_shard_bar_evaluations_per_second_count")).toBe(rates + 1);
    expect(await sample("zixly_run_duration_seconds_count", { status: "succeeded" })).toBe(runs);

    expect(await handleShardEvent(s1p0(), deps)).toBe("completed");
    expect(await handleShardEvent(s1p0(), deps)).toBe("duplicate");
    expect(await sample("zixly_shards_finished_total", succeeded)).toBe(shards + 2);
    expect(await sample("zixly_run_duration_seconds_count", { status: "succeeded" })).toBe(
      runs + 1,
    );
  });

  it("counts every reported shard failure by code, and the failed run's duration once", async () => {
    const runId = await runningRun("metrics-failed", 2);
    const crashed = { outcome: "failed", reason: "crashed" };
    const failures = await sample("zixly_shards_finished_total", crashed);
    const runs = await sample("zixly_run_duration_seconds_count", { status: "failed" });
    expect(await handleShardEvent(failedShard(runId, { index: 1, count: 2 }), deps)).toBe("failed");
    expect(await handleShardEvent(failedShard(runId, { index: 0, count: 2 }), deps)).toBe(
      "duplicate",
    );
    expect(await sample("zixly_shards_finished_total", crashed)).toBe(failures + 2);
    expect(await sample("zixly_run_duration_seconds_count", { status: "failed" })).toBe(runs + 1);
  });
});

// watch-jobs on ApiServerSource events, with in-memory adapters: one shard.failed per failed Job, nothing else.
import { beforeEach, describe, expect, it } from "vitest";
import { type ShardFailed, shardFailed } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleWatchEvent, type WatchJobsDeps } from "./handler.ts";
import { failedCondition, jobObject, resourceEvent } from "./test-support/job-events.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let publisher: RecordingPublisher;
let deps: WatchJobsDeps;

const RUN = runIdFor("watch-jobs");
const DEADLINE = failedCondition(
  "DeadlineExceeded",
  "Job was active longer than specified deadline",
);

async function runningRun(runId = RUN, shardCount = 2) {
  await memory.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount,
    traceparent: TRACEPARENT,
  });
  await memory.markRunning(runId);
}

const published = () => publisher.events.map((e) => e.data as ShardFailed);

beforeEach(async () => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  publisher = new RecordingPublisher();
  deps = {
    store: flaky.store,
    publisher,
    launcher: new FakeJobLauncher(),
    log: silentLogger(),
    deadlineSeconds: 600,
    graceSeconds: 300,
    parallelism: 4,
  };
  await runningRun();
});

describe("handleWatchEvent: a failed Job", () => {
  it("publishes shard.failed with code deadline for DeadlineExceeded", async () => {
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }));
    expect(await handleWatchEvent(event, deps)).toBe("reported");
    expect(publisher.events).toHaveLength(1);
    const [sent] = publisher.events;
    expect(sent.type).toBe(shardFailed.type);
    expect(sent.id).toBe(`${RUN}/job-failed`);
    expect(sent.source).toBe("/zixly/watch-jobs");
    expect(sent.traceparent).toBe(TRACEPARENT);
    expect(sent.data).toEqual({
      runId: RUN,
      shard: { index: 0, count: 2 },
      code: "deadline",
      reason: `Job bt-${RUN.slice(4)} failed: DeadlineExceeded: Job was active longer than specified deadline`,
    });
  });

  it("publishes crashed for BackoffLimitExceeded, at the first failed index", async () => {
    const failed = failedCondition(
      "BackoffLimitExceeded",
      "Job has reached the specified backoff limit",
    );
    const event = resourceEvent(jobObject(RUN, { conditions: [failed], failedIndexes: "1" }));
    expect(await handleWatchEvent(event, deps)).toBe("reported");
    expect(published()).toEqual([
      expect.objectContaining({
        shard: { index: 1, count: 2 },
        code: "crashed",
        reason: expect.stringContaining("BackoffLimitExceeded: Job has reached the specified"),
      }),
    ]);
  });

  it("publishes bad_input for FailedIndexes whose message shows exit code 2", async () => {
    const failed = failedCondition(
      "FailedIndexes",
      "Container backtest for pod zixly/bt-x-1-q2w3e failed with exit code 2 matching FailIndex rule at index 1",
    );
    const event = resourceEvent(jobObject(RUN, { conditions: [failed], failedIndexes: "1" }));
    expect(await handleWatchEvent(event, deps)).toBe("reported");
    expect(published()).toEqual([
      expect.objectContaining({
        shard: { index: 1, count: 2 },
        code: "bad_input",
        exitCode: 2,
        reason: expect.stringContaining("FailedIndexes: Container backtest"),
      }),
    ]);
  });

  it("reports a failed index before the Job's Failed condition, as crashed", async () => {
    const event = resourceEvent(jobObject(RUN, { failedIndexes: "1" }));
    expect(await handleWatchEvent(event, deps)).toBe("reported");
    expect(published()).toEqual([
      expect.objectContaining({ shard: { index: 1, count: 2 }, code: "crashed" }),
    ]);
  });

  it("reads add events too: the source lists existing Jobs when it starts", async () => {
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }), "add");
    expect(await handleWatchEvent(event, deps)).toBe("reported");
    expect(publisher.events).toHaveLength(1);
  });

  it("names shard 0 when the failed index lies outside the run", async () => {
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE], failedIndexes: "7" }));
    await handleWatchEvent(event, deps);
    expect(published()[0].shard).toEqual({ index: 0, count: 2 });
  });

  it("gives every update of one failed Job the same event id, and stops once the run failed", async () => {
    const job = jobObject(RUN, { conditions: [DEADLINE], failedIndexes: "0" });
    // The Job's status keeps changing while its pods terminate: one update event each.
    for (let i = 0; i < 3; i++) {
      expect(await handleWatchEvent(resourceEvent(job), deps)).toBe("reported");
    }
    expect(new Set(publisher.events.map((e) => e.id))).toEqual(new Set([`${RUN}/job-failed`]));
    expect(publisher.events).toHaveLength(3);

    // record-result fails the run on the first of them.
    await memory.failRun(RUN, "deadline", "shard 0: Job failed");
    for (let i = 0; i < 3; i++) {
      expect(await handleWatchEvent(resourceEvent(job), deps)).toBe("finished");
    }
    expect(publisher.events).toHaveLength(3);
  });

  it("publishes nothing for a run that already succeeded", async () => {
    await memory.completeRun(RUN);
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }));
    expect(await handleWatchEvent(event, deps)).toBe("finished");
    expect(publisher.events).toHaveLength(0);
  });

  it("ignores a failed Job of a run it does not know", async () => {
    const other = runIdFor("somebody-elses");
    const event = resourceEvent(jobObject(other, { conditions: [DEADLINE] }));
    expect(await handleWatchEvent(event, deps)).toBe("ignored");
    expect(publisher.events).toHaveLength(0);
  });

  it("throws when the store is down, so the broker redelivers", async () => {
    flaky.fail("getRun");
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }));
    await expect(handleWatchEvent(event, deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleWatchEvent(event, deps)).toBe("reported");
  });

  it("throws when the broker is down", async () => {
    publisher.down = true;
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }));
    await expect(handleWatchEvent(event, deps)).rejects.toThrow(/broker down/);
  });
});

describe("handleWatchEvent: Jobs it leaves alone", () => {
  it("ignores a complete Job: its shards reported themselves", async () => {
    const complete = { type: "Complete", status: "True", reason: "CompletionsReached" };
    const event = resourceEvent(jobObject(RUN, { conditions: [complete] }));
    expect(await handleWatchEvent(event, deps)).toBe("ignored");
    expect(publisher.events).toHaveLength(0);
  });

  it("ignores a running Job", async () => {
    expect(await handleWatchEvent(resourceEvent(jobObject(RUN)), deps)).toBe("ignored");
  });

  it("ignores a failed Job without the run-id label", async () => {
    const labels = { "app.kubernetes.io/part-of": "zixly-pipelines" };
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE], labels }));
    expect(await handleWatchEvent(event, deps)).toBe("ignored");
    expect(publisher.events).toHaveLength(0);
  });

  it("ignores a run-id label that is not a run id", async () => {
    const labels = { "zixly.com/run-id": "run_NOT-OURS" };
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE], labels }));
    expect(await handleWatchEvent(event, deps)).toBe("ignored");
  });

  it("ignores other kinds, by the object or by the source's kind extension", async () => {
    const pod = resourceEvent(jobObject(RUN, { conditions: [DEADLINE], kind: "Pod" }));
    expect(await handleWatchEvent(pod, deps)).toBe("ignored");
    const odd = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }), "update", {
      kind: "CronJob",
    });
    expect(await handleWatchEvent(odd, deps)).toBe("ignored");
    expect(publisher.events).toHaveLength(0);
  });

  it("ignores a deleted Job, even a failed one: vanished Jobs are the reaper's", async () => {
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] }), "delete");
    expect(await handleWatchEvent(event, deps)).toBe("ignored");
    expect(publisher.events).toHaveLength(0);
    expect((await memory.getRun(RUN))?.status).toBe("running");
  });
});

describe("handleWatchEvent: events it cannot use", () => {
  it.each([
    ["text that is not JSON", "not a job"],
    ["null", null],
    ["an object without metadata", { kind: "Job" }],
    ["a list", [1, 2]],
  ])("acknowledges data that is %s as invalid, without throwing", async (_what, data) => {
    expect(await handleWatchEvent(resourceEvent(data), deps)).toBe("invalid");
    expect(publisher.events).toHaveLength(0);
  });

  it("acknowledges a Job whose status is not a Job status as invalid", async () => {
    const job = { ...jobObject(RUN), status: { conditions: "Failed" } };
    expect(await handleWatchEvent(resourceEvent(job), deps)).toBe("invalid");
  });

  it("acknowledges an unexpected event type as invalid", async () => {
    const event = resourceEvent(jobObject(RUN, { conditions: [DEADLINE] })).cloneWith({
      type: "com.example.other",
    });
    expect(await handleWatchEvent(event, deps)).toBe("invalid");
    expect(publisher.events).toHaveLength(0);
  });
});

// What a Job's status means for its run: code, reason and shard index, for each way a Job fails.
import { describe, expect, it } from "vitest";
import { KubernetesJobData } from "../../events/index.ts";
import { runIdFor } from "../test-support/fixtures.ts";
import { firstIndex, jobFailure } from "./job-failure.ts";
import { failedCondition, type JobShape, jobObject } from "./test-support/job-events.ts";

const RUN = runIdFor("job-failure");
const job = (shape: JobShape) => KubernetesJobData.parse(jobObject(RUN, shape));
const NAME = `bt-${RUN.slice(4)}`;

describe("firstIndex", () => {
  it.each([
    ["0", 0],
    ["1,3-5", 1],
    ["3-5", 3],
    ["7", 7],
    [" 2,4 ", 2],
  ])("reads %j as %i", (list, index) => {
    expect(firstIndex(list)).toBe(index);
  });

  it.each(["", "a", "1,,2", "-1", "1-", "1;2"])("refuses %j", (list) => {
    expect(firstIndex(list)).toBeUndefined();
  });
});

describe("jobFailure", () => {
  it("says nothing of a running Job", () => {
    expect(jobFailure(job({}))).toBeUndefined();
    expect(
      jobFailure(job({ conditions: [{ type: "Suspended", status: "True", reason: "Kueue" }] })),
    ).toBeUndefined();
  });

  it("says nothing of a complete Job, nor of a failure condition that does not hold", () => {
    const complete = { type: "Complete", status: "True" };
    expect(jobFailure(job({ conditions: [complete] }))).toBeUndefined();
    const notFailed = { ...failedCondition("DeadlineExceeded", "x"), status: "False" };
    expect(jobFailure(job({ conditions: [notFailed] }))).toBeUndefined();
  });

  it("reads DeadlineExceeded as deadline, shard 0 when no index failed", () => {
    const failed = failedCondition(
      "DeadlineExceeded",
      "Job was active longer than specified deadline",
    );
    expect(jobFailure(job({ conditions: [failed] }))).toEqual({
      shardIndex: 0,
      code: "deadline",
      reason: `Job ${NAME} failed: DeadlineExceeded: Job was active longer than specified deadline`,
    });
  });

  it("reads MaxFailedIndexesExceeded as crashed, at the first failed index", () => {
    const failed = failedCondition(
      "MaxFailedIndexesExceeded",
      "Job has exceeded the specified maximal number of failed indexes",
    );
    expect(jobFailure(job({ conditions: [failed], failedIndexes: "3,5-6" }))).toMatchObject({
      shardIndex: 3,
      code: "crashed",
    });
  });

  it("reads a PodFailurePolicy exit code 2 as bad_input, at the index the message names", () => {
    const failed = failedCondition(
      "PodFailurePolicy",
      "Container backtest for pod zixly/bt-x-1-abcde failed with exit code 2 matching FailJob rule at index 1",
    );
    expect(jobFailure(job({ conditions: [failed] }))).toMatchObject({
      shardIndex: 1,
      code: "bad_input",
      exitCode: 2,
    });
  });

  it("reads the earlier FailureTarget condition like Failed", () => {
    const target = failedCondition("DeadlineExceeded", "Job was active longer", "FailureTarget");
    expect(jobFailure(job({ conditions: [target] }))?.code).toBe("deadline");
  });

  it("reports a failed index before the Job fails, as crashed", () => {
    expect(jobFailure(job({ failedIndexes: "2,4-5" }))).toEqual({
      shardIndex: 2,
      code: "crashed",
      reason: `Job ${NAME}: index 2 failed (failedIndexes "2,4-5"): its retries are spent or a podFailurePolicy rule failed it`,
    });
  });

  it("keeps the reason on one line and room for record-result's prefix", () => {
    const failed = failedCondition(
      "BackoffLimitExceeded",
      `line one\nline two ${"x".repeat(5000)}`,
    );
    const reason = jobFailure(job({ conditions: [failed] }))!.reason;
    expect(reason).not.toContain("\n");
    expect(reason.length).toBe(1900);
    expect(reason.endsWith("...")).toBe(true);
  });
});

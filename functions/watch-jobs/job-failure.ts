// What a failed Indexed Job says about its run: the shard.failed code, reason and index.
import type { FailureCode, JobCondition, KubernetesJob } from "../../events/index.ts";

/** Why a Job's run failed, as watch-jobs reports it. */
export interface JobFailure {
  /** The first failed index, or 0 when the Job does not say. */
  readonly shardIndex: number;
  readonly code: FailureCode;
  /** One line, within the 2,000 characters of shard.failed (record-result prefixes it). */
  readonly reason: string;
  /** The container's exit code, when the condition's message names it. */
  readonly exitCode?: number;
}

/** Room left for record-result's `shard N: ` prefix within the 2,000 of backtest.failed. */
const MAX_REASON = 1900;

/**
 * The failure of `job`, or undefined while it runs or once it completed (its shards reported
 * themselves).
 *
 * - A `Failed` (or the earlier `FailureTarget`, Kubernetes 1.31+) condition ends the run:
 *   `DeadlineExceeded` (activeDeadlineSeconds) is `deadline`; a message naming exit code 2
 *   (a podFailurePolicy rule) is `bad_input`; anything else (BackoffLimitExceeded,
 *   FailedIndexes, MaxFailedIndexesExceeded, PodFailurePolicy) is `crashed`.
 * - Failed indexes without that condition are reported at once, as `crashed`. An index is
 *   listed only once its backoffLimitPerIndex is spent or a FailIndex rule hit it, so the run
 *   can no longer succeed, and record-result fails a run on its first shard.failed anyway.
 *   Waiting for the Job's `Failed` would, without maxFailedIndexes, wait for every other
 *   index to finish. Exit code 2 also lands here (FailIndex), but the Job reported
 *   `bad_input` itself before exiting, so by then the run is normally failed already and
 *   watch-jobs publishes nothing.
 */
export function jobFailure(job: KubernetesJob): JobFailure | undefined {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  if (holds("Complete") || holds("SuccessCriteriaMet")) return undefined;
  const failedIndexes = job.status?.failedIndexes;
  const firstFailed = failedIndexes ? firstIndex(failedIndexes) : undefined;
  const failed = holds("Failed") ?? holds("FailureTarget");
  if (failed) return fromCondition(job.metadata.name, failed, firstFailed);
  if (firstFailed === undefined) return undefined;
  return {
    shardIndex: firstFailed,
    code: "crashed",
    reason: oneLine(
      `Job ${job.metadata.name}: index ${firstFailed} failed (failedIndexes "${failedIndexes}"): ` +
        "its retries are spent or a podFailurePolicy rule failed it",
    ),
  };
}

function fromCondition(
  jobName: string,
  condition: JobCondition,
  firstFailed: number | undefined,
): JobFailure {
  const reason = condition.reason ?? "unknown";
  const message = condition.message ?? "";
  // PodFailurePolicy: "Container c for pod ns/p failed with exit code 2 matching FailJob rule at index 0".
  const exit = /\bexit code (\d+)\b/.exec(message);
  const exitCode = exit ? Number(exit[1]) : undefined;
  const atIndex = /\bat index (\d+)\b/.exec(message);
  const code: FailureCode =
    reason === "DeadlineExceeded" ? "deadline" : exitCode === 2 ? "bad_input" : "crashed";
  return {
    shardIndex: firstFailed ?? (atIndex ? Number(atIndex[1]) : 0),
    code,
    reason: oneLine(`Job ${jobName} failed: ${reason}${message ? `: ${message}` : ""}`),
    ...(exitCode !== undefined ? { exitCode } : {}),
  };
}

const INDEX_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * The lowest index of a Job's `status.failedIndexes`, a sorted list of numbers and ranges.
 * @example firstIndex("1,3-5") // 1
 */
export function firstIndex(list: string): number | undefined {
  const text = list.trim();
  if (!INDEX_LIST.test(text)) return undefined;
  return Math.min(...text.split(",").map((part) => Number(part.split("-")[0])));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 3)}...` : line;
}

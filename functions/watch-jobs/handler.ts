// watch-jobs: turns a failed Job (ApiServerSource) into shard.failed, and reaps stale runs on each ping.
import type { CloudEventV1 } from "cloudevents";
import {
  apiServerResourceAdd,
  apiServerResourceDelete,
  apiServerResourceUpdate,
  createEvent,
  KubernetesJobData,
  KubernetesObjectData,
  pingSourcePing,
  RunIdSchema,
  shardFailed,
} from "../../events/index.ts";
import { RUN_ID_LABEL } from "../../platform/launchers/job-spec.ts";
import { jobFailure } from "./job-failure.ts";
import { type ReaperDeps, reap } from "./reaper.ts";
import { WATCH_JOBS_SOURCE } from "./source.ts";

/** What watch-jobs needs: the reaper's dependencies serve the Job events too. */
export type WatchJobsDeps = ReaperDeps;

/** What one delivery did, for logs and tests. */
export type WatchOutcome = "reported" | "finished" | "reaped" | "ignored" | "invalid";

/**
 * Handles ApiServerSource events for Jobs (`add` and `update`) and PingSource ticks.
 * Store and broker faults throw, so the broker redelivers; an event that is not a Job, not
 * ours or not failed is acknowledged, because redelivering it cannot change what it says.
 */
export async function handleWatchEvent(
  raw: CloudEventV1<unknown>,
  deps: WatchJobsDeps,
): Promise<WatchOutcome> {
  switch (raw.type) {
    case apiServerResourceAdd.type:
    case apiServerResourceUpdate.type:
      return onJob(raw, deps);
    case pingSourcePing.type:
      await reap(deps);
      return "reaped";
    // A deleted Job says nothing new: a failure was seen before, and a Job that vanished
    // unfinished (TTL, kubectl delete) is the reaper's to end.
    case apiServerResourceDelete.type:
      return "ignored";
    default:
      deps.log.warn("unexpected event type acknowledged", { eventId: raw.id, type: raw.type });
      return "invalid";
  }
}

async function onJob(raw: CloudEventV1<unknown>, deps: WatchJobsDeps): Promise<WatchOutcome> {
  const log = deps.log.child({ eventId: raw.id, type: raw.type });
  const data = jsonOf(raw.data);
  const object = KubernetesObjectData.safeParse(data);
  if (!object.success) {
    log.warn("ApiServerSource event without a Kubernetes object acknowledged and dropped", {
      issues: object.error.issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`),
    });
    return "invalid";
  }
  // The source's `kind` extension and the object agree; either saying "not a Job" is enough.
  if (object.data.kind !== "Job" || (typeof raw.kind === "string" && raw.kind !== "Job"))
    return "ignored";
  const runId = object.data.metadata.labels?.[RUN_ID_LABEL];
  if (runId === undefined) return "ignored";
  if (!RunIdSchema.safeParse(runId).success) {
    log.warn("Job labelled with a malformed run id ignored", {
      job: object.data.metadata.name,
      runId,
    });
    return "ignored";
  }
  const job = KubernetesJobData.safeParse(data);
  if (!job.success) {
    log.warn("Job with an unreadable status acknowledged and dropped", {
      job: object.data.metadata.name,
      issues: job.error.issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`),
    });
    return "invalid";
  }
  const failure = jobFailure(job.data);
  if (!failure) return "ignored";

  // Every status change of the Job is an update event: once the run is finished (by this
  // report or the shards' own), the rest have nothing to say.
  const run = await deps.store.getRun(runId);
  if (!run) {
    log.warn("failed Job of an unknown run ignored", { runId, job: job.data.metadata.name });
    return "ignored";
  }
  if (run.status !== "queued" && run.status !== "running") return "finished";
  const shardCount = Math.max(1, run.shardCount);
  const index = failure.shardIndex < shardCount ? failure.shardIndex : 0;
  // One id per run: record-result fails the run once, and repeats are duplicates downstream.
  await deps.publisher.publish(
    createEvent(
      shardFailed.type,
      {
        runId,
        shard: { index, count: shardCount },
        code: failure.code,
        reason: failure.reason,
        ...(failure.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
      },
      {
        id: `${runId}/job-failed`,
        source: WATCH_JOBS_SOURCE,
        traceparent: run.traceparent ?? undefined,
      },
    ),
  );
  log.warn("Job failed: shard.failed published", { runId, code: failure.code, shard: index });
  return "reported";
}

/** Event data as an object: functions-framework parses JSON bodies, a string may remain. */
function jsonOf(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

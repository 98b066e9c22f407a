// The reaper: on each PingSource tick, ends the runs whose Job vanished or hung, and announces them.
import type { Publisher } from "../../events/index.ts";
import { publishFinal } from "../../platform/final-event.ts";
import { jobDeadlineSeconds } from "../../platform/launchers/job-spec.ts";
import type { Logger } from "../../platform/log.ts";
import type { JobLauncher, RunRecord, RunStore } from "../../platform/ports.ts";
import { WATCH_JOBS_SOURCE } from "./source.ts";

/** What the reaper needs. */
export interface ReaperDeps {
  readonly store: RunStore;
  readonly publisher: Publisher;
  /** To stop whatever is left of a run it ends. */
  readonly launcher: JobLauncher;
  readonly log: Logger;
  /** JOB_DEADLINE_SECONDS: how long one shard may run. */
  readonly deadlineSeconds: number;
  /** JOB_PARALLELISM: pods of one Job at once; more shards run in waves, each with a deadline. */
  readonly parallelism: number;
  /** REAPER_GRACE_SECONDS: how long past the deadline a run may stay unfinished. */
  readonly graceSeconds: number;
  /** Runs handled per tick and query; the next tick takes the rest. Default 100. */
  readonly batch?: number;
  /**
   * A running run this old whose Job no longer exists is ended at once, not at its deadline
   * (default 120 s: dispatch creates the Job before it marks the run running).
   */
  readonly vanishedAfterSeconds?: number;
  readonly now?: () => Date;
}

/** What one tick did. */
export interface ReapReport {
  /** Runs failed with `deadline` and announced. */
  readonly reaped: number;
  /** Final events of earlier runs that had not gone out, published now. */
  readonly announced: number;
  /** Publishes that failed; a later tick retries them. */
  readonly unpublished: number;
}

/**
 * Fails every queued or running run whose Job should have ended `graceSeconds` ago, by the
 * activeDeadlineSeconds the Kubernetes launcher gives it (one deadline per wave of
 * `parallelism` pods): its Job was deleted, never created, or hangs where that deadline does
 * not reach (watch-jobs reports every Job that Kubernetes itself fails). Each gets its failed
 * event through {@link publishFinal}, so notify tells the client.
 *
 * A publish that fails is not retried by throwing: the run is failed by then, and a
 * redelivered tick would not find it again. Instead each tick also publishes the final
 * events that finished runs never got out (`final_event_published` unset for `graceSeconds`),
 * which covers this reaper's as well as record-result's and the api's lost publishes.
 * Store faults throw, and the broker redelivers the tick.
 *
 * Kueue: a Job waiting for admission is suspended and its deadline has not started, but its
 * run counts from dispatch; give REAPER_GRACE_SECONDS room for the queue.
 */
export async function reap(deps: ReaperDeps): Promise<ReapReport> {
  const now = (deps.now ?? (() => new Date()))().getTime();
  const batch = deps.batch ?? 100;
  const log = deps.log.child({ component: "reaper" });
  // The shortest a Job may run is one wave; runs of more waves are checked one by one below.
  const olderThan = new Date(now - (deps.deadlineSeconds + deps.graceSeconds) * 1000);
  let reaped = 0;
  let unpublished = 0;
  const endedNow = new Set<string>();

  for (const stale of await deps.store.staleRuns(olderThan, batch)) {
    // Queued behind other runs or running in this process: each shard has its own deadline.
    if (deps.launcher.holds?.(stale.runId)) continue;
    // The Job's own activeDeadlineSeconds, as the Kubernetes launcher sets it.
    const deadline = jobDeadlineSeconds(
      deps.deadlineSeconds,
      Math.max(1, stale.shardCount),
      deps.parallelism,
    );
    if (Date.parse(since(stale)) >= now - (deadline + deps.graceSeconds) * 1000) continue;
    const reason = `no result within ${deps.graceSeconds} s of the deadline (${deadline} s); the Job is gone or stuck`;
    // Exactly once: a run that finished since the query (or a concurrent tick) is left alone.
    if (!(await deps.store.failRun(stale.runId, "deadline", reason))) continue;
    endedNow.add(stale.runId);
    await deps.launcher.cancel(stale.runId).catch((error: unknown) => {
      log.warn("could not stop what is left of the run", {
        runId: stale.runId,
        error: String(error),
      });
    });
    const run = await deps.store.getRun(stale.runId);
    log.warn("stale run failed", { runId: stale.runId, was: stale.status, since: since(stale) });
    if (run && (await announce(run, deps))) reaped += 1;
    else unpublished += 1;
  }

  // A run whose Job is gone (deleted by hand, lost with its namespace, expired) can never
  // report: with a launcher that can tell, end it now rather than at its deadline.
  if (deps.launcher.exists) {
    const minAge = (deps.vanishedAfterSeconds ?? 120) * 1000;
    for (const stale of await deps.store.staleRuns(new Date(now - minAge), batch)) {
      if (stale.status !== "running" || endedNow.has(stale.runId)) continue;
      if ((await deps.launcher.exists(stale.runId)) !== false) continue;
      const reason = "the run's Job no longer exists and not every shard reported";
      if (!(await deps.store.failRun(stale.runId, "crashed", reason))) continue;
      endedNow.add(stale.runId);
      const run = await deps.store.getRun(stale.runId);
      log.warn("run whose Job vanished failed", { runId: stale.runId });
      if (run && (await announce(run, deps))) reaped += 1;
      else unpublished += 1;
    }
  }

  // The grace leaves record-result and the api time to publish their own; runs failed in
  // this tick were tried above (the store's clock and ours may disagree, so skip them by id).
  let announced = 0;
  const finishedBefore = new Date(now - deps.graceSeconds * 1000);
  for (const run of await deps.store.unpublishedFinalRuns(finishedBefore, batch)) {
    if (endedNow.has(run.runId)) continue;
    if (await announce(run, deps)) announced += 1;
    else unpublished += 1;
  }
  if (reaped + announced + unpublished > 0)
    log.info("reaper tick", { reaped, announced, unpublished });
  return { reaped, announced, unpublished };
}

async function announce(run: RunRecord, deps: ReaperDeps): Promise<boolean> {
  try {
    await publishFinal(run, deps, WATCH_JOBS_SOURCE, run.traceparent ?? undefined);
    return true;
  } catch (error) {
    deps.log.error("final event not published; a later tick retries", {
      runId: run.runId,
      error: String(error),
    });
    return false;
  }
}

function since(run: RunRecord): string {
  return run.startedAt ?? run.createdAt;
}

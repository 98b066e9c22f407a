// record-result: store shard rows once, finish the run exactly once, publish its final event.
import type { CloudEventV1 } from "cloudevents";
import {
  checkEvent,
  InvalidEventData,
  NotOurEvent,
  type Publisher,
  type ShardCompleted,
  type ShardFailed,
  type ShardProgress,
  shardCompleted,
  shardFailed,
  shardProgress,
} from "../../events/index.ts";
import { publishFinal } from "../../platform/final-event.ts";
import type { Logger } from "../../platform/log.ts";
import {
  recordRunFinished,
  recordShardFailed,
  recordShardSucceeded,
} from "../../platform/metrics/metrics.ts";
import type { JobLauncher, ProgressStore, RunStore } from "../../platform/ports.ts";
import { problemWith } from "./check-against-run.ts";
import type { RunShapes } from "./run-shapes.ts";

/** What record-result needs. */
export interface RecordDeps {
  readonly store: RunStore;
  readonly progress: ProgressStore;
  readonly publisher: Publisher;
  /** To stop a failed run's other shards. */
  readonly launcher: JobLauncher;
  readonly log: Logger;
  /** Runs' shapes already read; without it every shard event reads its run. */
  readonly shapes?: RunShapes;
}

/** What one delivery did, for logs and tests. */
export type RecordOutcome =
  | "progress"
  | "stored"
  | "duplicate"
  | "completed"
  | "failed"
  | "ignored"
  | "invalid";

/**
 * Handles shard.completed, shard.failed and shard.progress. Database faults throw, so the
 * broker redelivers and the rows land once Postgres is back; an invalid event is logged
 * and acknowledged, because redelivering it cannot make it valid. So is an event that its
 * run, as stored, contradicts (check-against-run.ts: another shard count, rows of another
 * shard, more rows or parts than the shard has), and one of a run that does not exist.
 */
export async function handleShardEvent(
  raw: CloudEventV1<unknown>,
  deps: RecordDeps,
): Promise<RecordOutcome> {
  let event: ReturnType<typeof checkEvent>;
  try {
    event = checkEvent(raw);
  } catch (error) {
    if (!(error instanceof NotOurEvent || error instanceof InvalidEventData)) throw error;
    deps.log.warn("invalid shard event acknowledged and dropped", {
      eventId: raw.id,
      reason: error.message,
    });
    return "invalid";
  }
  const traceparent = typeof raw.traceparent === "string" ? raw.traceparent : undefined;
  const log = deps.log.child({ eventId: raw.id, traceparent });
  switch (event.type) {
    case shardProgress.type: {
      const data = event.data as ShardProgress;
      // Best-effort like progress itself: with the database down, progress waits for the next.
      const fit = await fitsItsRun(data, deps, log).catch((error: unknown) => {
        log.warn("progress not checked, dropped", { runId: data.runId, error: String(error) });
        return "ignored" as const;
      });
      return fit === true ? progress(data, deps, log) : fit;
    }
    case shardCompleted.type: {
      const data = event.data as ShardCompleted;
      const fit = await fitsItsRun(data, deps, log);
      return fit === true ? completed(data, deps, log, traceparent) : fit;
    }
    case shardFailed.type: {
      const data = event.data as ShardFailed;
      const fit = await fitsItsRun(data, deps, log);
      if (fit !== true) return fit;
      const outcome = await failed(data, deps, log, traceparent);
      // Every reported failure counts once handled, not only the one that failed the run;
      // a delivery that threw is counted by its redelivery, and an exact duplicate twice.
      recordShardFailed(data.code);
      return outcome;
    }
    default:
      return "ignored";
  }
}

/**
 * True when the event may be what its run's shard did; otherwise it is logged and the
 * outcome to acknowledge it with: `ignored` for an unknown run, `invalid` for a contradiction.
 */
async function fitsItsRun(
  data: ShardCompleted | ShardFailed | ShardProgress,
  deps: RecordDeps,
  log: Logger,
): Promise<true | "ignored" | "invalid"> {
  const run = deps.shapes
    ? await deps.shapes.get(data.runId, deps.store)
    : await deps.store.getRun(data.runId);
  if (!run) {
    log.info("shard event of an unknown run acknowledged and dropped", { runId: data.runId });
    return "ignored";
  }
  const problem = problemWith(run, data);
  if (problem === undefined) return true;
  log.warn("shard event contradicts its run; acknowledged and dropped", {
    runId: data.runId,
    shard: data.shard,
    reason: problem,
  });
  return "invalid";
}

// Progress is best-effort: a cache outage must not hold up results.
async function progress(
  data: ShardProgress,
  deps: RecordDeps,
  log: Logger,
): Promise<RecordOutcome> {
  await deps.progress
    .set(data.runId, data.shard.index, data.done, data.total)
    .catch((error: unknown) => {
      log.warn("progress not stored", { runId: data.runId, error: String(error) });
    });
  return "progress";
}

async function completed(
  data: ShardCompleted,
  deps: RecordDeps,
  log: Logger,
  traceparent: string | undefined,
): Promise<RecordOutcome> {
  const outcome = await deps.store.recordShardPart({
    runId: data.runId,
    shardIndex: data.shard.index,
    shardCount: data.shard.count,
    partIndex: data.part.index,
    partCount: data.part.count,
    paramNames: data.paramNames,
    rows: data.rows,
    best: data.best,
    metrics: data.metrics,
  });
  // Part 0 carries the shard's figures and is stored once: the shard is counted there, once.
  if (outcome.recorded && data.part.index === 0) recordShardSucceeded(data.metrics);
  if (!outcome.runComplete) return outcome.recorded ? "stored" : "duplicate";
  // Every shard reported, so the run did start, even if dispatch has not marked it yet
  // (its markRunning comes after launch and may be retried): completeRun needs "running".
  await deps.store.markRunning(data.runId);
  const finished = await deps.store.completeRun(data.runId);
  const run = await deps.store.getRun(data.runId);
  if (run?.status !== "succeeded") return outcome.recorded ? "stored" : "duplicate";
  if (finished) recordRunFinished("succeeded", run);
  // Marked once; the event goes out until it is published (a redelivery retries it).
  if (finished || !(await deps.store.finalEventPublished(data.runId))) {
    await publishFinal(run, deps, "/zixly/record-result", traceparent);
    await deps.progress.clear(data.runId).catch(() => undefined);
    log.info("run succeeded", { runId: data.runId, rows: run.rowsRecorded });
    return "completed";
  }
  return outcome.recorded ? "stored" : "duplicate";
}

async function failed(
  data: ShardFailed,
  deps: RecordDeps,
  log: Logger,
  traceparent: string | undefined,
): Promise<RecordOutcome> {
  const changed = await deps.store.failRun(
    data.runId,
    data.code,
    `shard ${data.shard.index}: ${data.reason}`,
  );
  const run = await deps.store.getRun(data.runId);
  if (run?.status !== "failed") return "ignored";
  if (changed) {
    recordRunFinished("failed", run);
    // The run has failed: its other shards would only burn time.
    await deps.launcher.cancel(data.runId).catch((error: unknown) => {
      log.warn("could not cancel the other shards", { runId: data.runId, error: String(error) });
    });
  }
  if (changed || !(await deps.store.finalEventPublished(data.runId))) {
    await publishFinal(run, deps, "/zixly/record-result", traceparent);
    await deps.progress.clear(data.runId).catch(() => undefined);
    log.warn("run failed", { runId: data.runId, code: data.code, reason: data.reason });
    return "failed";
  }
  return "duplicate";
}

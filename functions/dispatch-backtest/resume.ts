// After a restart: launch again the unfinished shards of every running run, as dispatch launched them.
import { BacktestRequestSchema } from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import type { JobLauncher, RunStore, ShardSpec } from "../../platform/ports.ts";

/** What resuming needs: the runs, and the launcher whose children died with the last process. */
export interface ResumeDeps {
  readonly store: RunStore;
  readonly launcher: JobLauncher;
  readonly log: Logger;
  /** Runs read per page. Default 200. */
  readonly page?: number;
}

/** What resuming did, for logs and tests. */
export interface ResumeReport {
  /** Runs whose unfinished shards were launched again. */
  readonly runs: number;
  /** Shards launched again, over all runs. */
  readonly shards: number;
}

/**
 * Launches again the shards of every `running` run that have not stored all their parts.
 * For a launcher whose Jobs die with its process (the local launcher): after a crash or a
 * shutdown that cut shards off, this is what makes their runs finish. A part stored before
 * is stored once (record-result dedupes by run, shard and part), so a shard that ran halfway
 * runs again whole without duplicating a row. Queued runs are not touched: their
 * `requested` event is still in the broker's outbox, and dispatch launches them when it
 * is redelivered. A run whose shards are all stored is left to record-result, whose
 * completing event is likewise still in the outbox.
 */
export async function resumeRuns(deps: ResumeDeps): Promise<ResumeReport> {
  const page = deps.page ?? 200;
  const log = deps.log.child({ component: "resume" });
  let runs = 0;
  let shards = 0;
  // Resuming does not change a run's status, so paging by offset over `running` is stable,
  // except for runs that finish meanwhile: a skipped one has finished, which is what we want.
  for (let offset = 0; ; offset += page) {
    const { runs: batch } = await deps.store.listRuns({ status: "running", limit: page, offset });
    for (const run of batch) {
      const indices = await deps.store.incompleteShards(run.runId);
      if (indices.length === 0) continue;
      const request = BacktestRequestSchema.safeParse(run.request);
      if (!request.success) {
        // Dispatch stored it validated; a row that no longer parses is for the reaper to end.
        log.error("running run with an unreadable request not resumed", { runId: run.runId });
        continue;
      }
      const specs: ShardSpec[] = indices.map((shardIndex) => ({
        runId: run.runId,
        shardIndex,
        shardCount: run.shardCount,
        request: request.data,
        traceparent: run.traceparent ?? undefined,
      }));
      await deps.launcher.launch(run.runId, specs);
      runs += 1;
      shards += specs.length;
      log.info("run resumed", { runId: run.runId, shards: indices });
    }
    if (batch.length < page) break;
  }
  if (runs > 0) log.info("runs resumed after restart", { runs, shards });
  return { runs, shards };
}

/**
 * {@link resumeRuns} for a function that starts before its database answers (compose's
 * dispatch-backtest container with the local launcher): tries until it succeeds, waiting
 * `retryMs` (doubling to 30 s) between tries. Resolves with the report; never rejects.
 */
export async function resumeWhenReady(
  deps: ResumeDeps,
  retryMs = 1_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms).unref()),
): Promise<ResumeReport> {
  for (let wait = retryMs; ; wait = Math.min(wait * 2, 30_000)) {
    try {
      return await resumeRuns(deps);
    } catch (error) {
      deps.log.warn("runs not resumed yet; retrying", { error: String(error), retryMs: wait });
      await sleep(wait);
    }
  }
}

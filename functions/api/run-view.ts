// The public shape of a run, as GET /runs/:id and GET /runs return it.
import type { RunRecord } from "../../platform/ports.ts";

/** A run for clients: status, progress, best combination and times. */
export interface RunView {
  runId: string;
  status: RunRecord["status"];
  strategy: string;
  label: string | null;
  combinations: number;
  shards: number;
  progress: { done: number; total: number };
  best: RunRecord["best"];
  error: string | null;
  errorCode: RunRecord["errorCode"];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * Builds the view. Progress counts stored rows, or the live count from running shards when
 * that is ahead; a succeeded run is complete by definition.
 */
export function runView(run: RunRecord, live?: { done: number; total: number }): RunView {
  const total = run.combinations;
  const done =
    run.status === "succeeded"
      ? total
      : Math.min(total, Math.max(run.rowsRecorded, live?.done ?? 0));
  return {
    runId: run.runId,
    status: run.status,
    strategy: run.strategy,
    label: run.label,
    combinations: run.combinations,
    shards: run.shardCount,
    progress: { done, total },
    best: run.best,
    error: run.error,
    errorCode: run.errorCode,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

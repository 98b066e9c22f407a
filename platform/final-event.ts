// The final event of a run, completed or failed, published until it went out once.
import {
  backtestCompleted,
  backtestFailed,
  createEvent,
  type Publisher,
  SUMMARY_STATS,
  toJsonNumber,
} from "../events/index.ts";
import type { RunRecord, RunStore } from "./ports.ts";

/** Publishes completed or failed for a finished run, then records that it went out. */
export async function publishFinal(
  run: RunRecord,
  deps: { store: RunStore; publisher: Publisher },
  source: string,
  traceparent?: string,
): Promise<void> {
  const request = run.request as { callbackUrl?: string; label?: string };
  const common = {
    runId: run.runId,
    ...(request.label ? { label: request.label } : {}),
    ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
    finishedAt: run.finishedAt ?? new Date().toISOString(),
  };
  const event =
    run.status === "succeeded"
      ? createEvent(
          backtestCompleted.type,
          {
            ...common,
            status: "succeeded",
            strategy: run.strategy,
            combinations: run.combinations,
            best: run.best ? { params: run.best.params, stats: summaryOf(run.best.stats) } : null,
          },
          { id: `${run.runId}/completed`, source, traceparent },
        )
      : createEvent(
          backtestFailed.type,
          {
            ...common,
            status: run.status === "cancelled" ? "cancelled" : "failed",
            code: run.errorCode ?? "crashed",
            reason: run.error ?? "failed",
          },
          { id: `${run.runId}/${run.status}`, source, traceparent },
        );
  await deps.publisher.publish(event);
  await deps.store.markFinalEventPublished(run.runId);
}

function summaryOf(stats: Record<string, unknown>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of SUMMARY_STATS) {
    const v = stats[name];
    out[name] = typeof v === "number" ? toJsonNumber(v) : null;
  }
  return out;
}

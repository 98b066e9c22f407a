// dispatch-backtest: record the run once, split it into shards, launch them once.
import type { CloudEventV1 } from "cloudevents";
import {
  type BacktestRequested,
  backtestRequested,
  checkEvent,
  deriveRunId,
  InvalidEventData,
  NotOurEvent,
  RunIdSchema,
} from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import type { JobLauncher, RunStore, ShardSpec } from "../../platform/ports.ts";

/** What dispatch needs. */
export interface DispatchDeps {
  readonly store: RunStore;
  readonly launcher: JobLauncher;
  readonly log: Logger;
  readonly sharding: { readonly combinationsPerShard: number; readonly maxShards: number };
}

/** Shards for a run: the request's choice, else one per `perShard` combinations, capped. */
export function shardCount(data: BacktestRequested, perShard: number, maxShards: number): number {
  const wanted = data.request.shards ?? Math.ceil(data.combinations / perShard);
  return Math.max(1, Math.min(wanted, maxShards, data.combinations));
}

/** What happened to one delivery, for logs and tests. */
export type DispatchOutcome = "launched" | "duplicate" | "rejected";

/**
 * Handles a `requested` event. Throwing makes the broker redeliver, so only transient
 * faults throw; an invalid event is recorded as a rejected run and acknowledged.
 */
export async function handleRequested(
  raw: CloudEventV1<unknown>,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  let data: BacktestRequested;
  try {
    const event = checkEvent(raw);
    if (event.type !== backtestRequested.type)
      throw new NotOurEvent(`unexpected event type ${event.type}`);
    data = event.data as BacktestRequested;
  } catch (error) {
    if (!(error instanceof NotOurEvent || error instanceof InvalidEventData)) throw error;
    return reject(raw, error.message, deps);
  }
  const { runId } = data;
  const log = deps.log.child({ runId, eventId: raw.id, traceparent: raw.traceparent });
  const shards = shardCount(data, deps.sharding.combinationsPerShard, deps.sharding.maxShards);
  const created = await deps.store.createRun({
    runId,
    source: data.source,
    request: data.request,
    combinations: data.combinations,
    shardCount: shards,
    traceparent: typeof raw.traceparent === "string" ? raw.traceparent : undefined,
  });
  if (!created) {
    const run = await deps.store.getRun(runId);
    // A run still queued was recorded by a delivery that failed before launching: go on.
    if (run?.status !== "queued") {
      log.info("duplicate requested event ignored", { status: run?.status });
      return "duplicate";
    }
  }
  const specs: ShardSpec[] = Array.from({ length: shards }, (_, shardIndex) => ({
    runId,
    shardIndex,
    shardCount: shards,
    request: data.request,
    traceparent: typeof raw.traceparent === "string" ? raw.traceparent : undefined,
  }));
  // The launcher is idempotent per run, so a redelivery after this point starts nothing new.
  await deps.launcher.launch(runId, specs);
  await deps.store.markRunning(runId);
  log.info("run dispatched", { shards, combinations: data.combinations });
  return "launched";
}

async function reject(
  raw: CloudEventV1<unknown>,
  reason: string,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  const claimed = (raw.data as { runId?: unknown } | undefined)?.runId;
  // Without a usable run id, the event's own identity names the rejected run.
  const runId = RunIdSchema.safeParse(claimed).success
    ? (claimed as string)
    : deriveRunId(raw.source, raw.id);
  const source =
    typeof (raw.data as { source?: unknown })?.source === "string"
      ? (raw.data as { source: string }).source
      : "unknown";
  await deps.store.rejectRun(runId, source, raw.data ?? null, reason);
  deps.log.warn("invalid requested event recorded as a rejected run", {
    runId,
    eventId: raw.id,
    reason,
  });
  return "rejected";
}

// dispatch-backtest: record the run once, split it into shards, launch them once.
import type { CloudEventV1 } from "cloudevents";
import {
  type BacktestRequested,
  backtestRequested,
  checkEvent,
  deriveRunId,
  InvalidEventData,
  NotOurEvent,
  type Publisher,
  RunIdSchema,
} from "../../events/index.ts";
import { publishFinal } from "../../platform/final-event.ts";
import type { Logger } from "../../platform/log.ts";
import type { JobLauncher, RunStore, ShardSpec } from "../../platform/ports.ts";
import { type Recount, recountCombinations } from "./recount.ts";

/** What dispatch needs. */
export interface DispatchDeps {
  readonly store: RunStore;
  readonly launcher: JobLauncher;
  /** Publishes the `failed` event of a run whose grid is refused. */
  readonly publisher: Publisher;
  readonly log: Logger;
  readonly sharding: { readonly combinationsPerShard: number; readonly maxShards: number };
  /** MAX_COMBINATIONS: a run whose recounted grid has more fails. */
  readonly maxCombinations: number;
}

/**
 * Shards for a run of `combinations`: the request's choice (`requested`), else one per
 * `perShard` combinations, capped by `maxShards` and by the combinations.
 */
export function shardCount(
  requested: number | undefined,
  combinations: number,
  perShard: number,
  maxShards: number,
): number {
  const wanted = requested ?? Math.ceil(combinations / perShard);
  return Math.max(1, Math.min(wanted, maxShards, combinations));
}

/** What happened to one delivery, for logs and tests. */
export type DispatchOutcome = "launched" | "duplicate" | "rejected" | "refused";

/** The source of the events dispatch publishes. */
const SOURCE = "/zixly/dispatch-backtest";

/**
 * Handles a `requested` event. Throwing makes the broker redeliver, so only transient
 * faults throw; an invalid event is recorded as a rejected run and acknowledged.
 *
 * The number of combinations is counted again from the request's grid, and that count sizes
 * the shards and the progress totals: the event's `combinations` is only compared with it
 * (a mismatch is logged). A grid that the recount refuses (over MAX_COMBINATIONS, no valid
 * combination, not a grid the engine takes) ends the run `failed` with `bad_input` and the
 * reason, and its `failed` event goes out; nothing is launched.
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
  const recount = recountCombinations(data.request, deps.maxCombinations);
  if (recount.combinations !== data.combinations) {
    log.warn("the event's count of combinations is not its grid's; the recount is used", {
      claimed: data.combinations,
      counted: recount.combinations ?? null,
    });
  }
  if (!recount.ok) return refuse(raw, data, recount, deps, log);
  const { combinations } = recount;
  const shards = shardCount(
    data.request.shards,
    combinations,
    deps.sharding.combinationsPerShard,
    deps.sharding.maxShards,
  );
  const created = await deps.store.createRun({
    runId,
    source: data.source,
    request: data.request,
    combinations,
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
  log.info("run dispatched", { shards, combinations });
  return "launched";
}

/**
 * Records the run and fails it at once with the recount's reason, then publishes its `failed`
 * event (until it went out once: a redelivery publishes what a failed publish left).
 */
async function refuse(
  raw: CloudEventV1<unknown>,
  data: BacktestRequested,
  recount: Extract<Recount, { ok: false }>,
  deps: DispatchDeps,
  log: Logger,
): Promise<DispatchOutcome> {
  const { runId } = data;
  const traceparent = typeof raw.traceparent === "string" ? raw.traceparent : undefined;
  const created = await deps.store.createRun({
    runId,
    source: data.source,
    request: data.request,
    // Nothing runs, as for a rejected run; the reason gives the count. (It may also be past
    // what the column holds: a grid can count billions.)
    combinations: 0,
    shardCount: 0,
    traceparent,
  });
  if (!created) {
    // As for a grid that passes: only a run still queued is this delivery's to decide (a
    // failed one may be this one's own, whose event did not go out). A run that went ahead
    // is left alone, whatever a later event with its id says.
    const status = (await deps.store.getRun(runId))?.status;
    if (status !== "queued" && status !== "failed") {
      log.info("duplicate requested event ignored", { status });
      return "duplicate";
    }
  }
  const changed = await deps.store.failRun(runId, "bad_input", recount.reason);
  const run = await deps.store.getRun(runId);
  if (run?.status !== "failed") return "duplicate";
  if (changed || !(await deps.store.finalEventPublished(runId))) {
    await publishFinal(run, deps, SOURCE, traceparent);
    log.warn("run refused: its grid fails the recount", { reason: recount.reason });
  }
  return "refused";
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

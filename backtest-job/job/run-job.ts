// One shard of a backtest, end to end: read the env, load the data, sweep, publish parts or the failure.
import {
  createEvent,
  HttpPublisher,
  type Publisher,
  shardCompleted,
  shardFailed,
  shardProgress,
  strategyName,
} from "../../events/index.ts";
import { createLogger, type Logger } from "../../platform/log.ts";
import { inSpan } from "../../platform/tracing.ts";
import { runSweep } from "../sweep-pool.ts";
import { classifyFailure, EXIT, type ExitCode } from "./exit-codes.ts";
import { type JobIdentity, parseJobIdentity, parseJobWork } from "./job-env.ts";
import { loadData } from "./load-data.ts";
import { ProgressReporter } from "./progress-reporter.ts";
import { RetryingPublisher } from "./retrying-publisher.ts";
import { shardParts } from "./shard-parts.ts";

/** The `source` of every event the Job emits. */
export const JOB_SOURCE = "/zixly/backtest-job";

/** What the Job talks to; each has a real default. */
export interface JobDeps {
  /** A publisher to K_SINK, without retries: results get retries on top, progress does not. */
  readonly connect?: (sinkUrl: string) => Publisher;
  /** JSON lines on stderr by default; each line gets the run, shard and traceparent. */
  readonly log?: Logger;
}

/**
 * Deterministic ids, so a retried pod's events dedupe on source + id:
 * `${runId}/${shard}/${part}`, `${runId}/${shard}/failed`, `${runId}/${shard}/progress/${done}`.
 */
function eventMeta(identity: JobIdentity, suffix: string) {
  return {
    id: `${identity.runId}/${identity.shard.index}/${suffix}`,
    source: JOB_SOURCE,
    traceparent: identity.traceparent,
  };
}

/**
 * Runs the shard described by `env` and resolves with the process's exit code (see EXIT).
 * Every failure after the identity is known is published as `shard.failed`; when even that
 * cannot reach the broker the exit code is transient, so the shard runs again to report.
 */
export async function runJob(
  env: Readonly<Record<string, string | undefined>>,
  deps: JobDeps = {},
): Promise<ExitCode> {
  const baseLog = deps.log ?? createLogger("backtest-job");
  let identity: JobIdentity;
  try {
    identity = parseJobIdentity(env);
  } catch (error) {
    // Without a run id, shard and sink there is nobody to tell but the log.
    baseLog.error("cannot start", { reason: String(error), traceparent: env.TRACEPARENT ?? null });
    return EXIT.badInput;
  }
  // One span for the shard, under the run's trace (TRACEPARENT); any exit but 0 fails it.
  const attributes = {
    "faas.name": "backtest-job",
    "zixly.run_id": identity.runId,
    "zixly.shard_index": identity.shard.index,
  };
  return inSpan("backtest-job", identity.traceparent, attributes, async (span) => {
    const code = await runShard(env, identity, baseLog, deps);
    if (code !== EXIT.ok) span.fail(`the shard exited with code ${code}`);
    return code;
  });
}

/** The shard, once the Job knows who it is: sweep and publish, or publish the failure. */
async function runShard(
  env: Readonly<Record<string, string | undefined>>,
  identity: JobIdentity,
  baseLog: Logger,
  deps: JobDeps,
): Promise<ExitCode> {
  const { runId, shard } = identity;
  const log = baseLog.child({
    runId,
    shard: `${shard.index}/${shard.count}`,
    traceparent: identity.traceparent ?? null,
  });
  const direct = (deps.connect ?? ((url) => new HttpPublisher(url)))(identity.sinkUrl);
  const retrying = (baseDelayMs: number) =>
    new RetryingPublisher(direct, {
      baseDelayMs,
      onRetry: (error, attempt, delayMs) =>
        log.warn("publish failed, retrying", {
          attempt,
          delayMs: Math.round(delayMs),
          error: String(error),
        }),
    });
  let backoffMs = 250;

  try {
    const work = parseJobWork(env);
    backoffMs = work.publishBackoffMs;
    const { request } = work;
    log.info("shard started", {
      // The name, not a definition's whole JSON.
      strategy: strategyName(request.strategy),
      data: Object.keys(request.data)[0],
    });
    const bars = await loadData(request.data, work);
    log.info("data loaded", { bars: bars.length });

    const progress = new ProgressReporter(
      (done, total) =>
        direct.publish(
          createEvent(
            shardProgress.type,
            { runId, shard, done, total },
            eventMeta(identity, `progress/${done}`),
          ),
        ),
      {
        intervalMs: work.progressIntervalMs,
        onError: (error) => log.warn("progress not sent", { error: String(error) }),
      },
    );
    const outcome = await runSweep({
      bars,
      strategy: request.strategy,
      grid: request.params,
      options: {
        cash: request.cash,
        commission: request.commission,
        mode: request.mode,
        finalizeTrades: request.finalizeTrades,
        tradeOnClose: request.tradeOnClose,
      },
      shard,
      top: 1,
      sort: request.sort,
      workers: work.workers,
      onProgress: progress.report,
    }).finally(() => progress.close());

    const parts = shardParts(runId, shard, outcome, bars);
    const results = retrying(backoffMs);
    for (const part of parts) {
      await results.publish(
        createEvent(shardCompleted.type, part, eventMeta(identity, String(part.part.index))),
      );
    }
    log.info("shard completed", {
      evaluated: outcome.evaluated,
      combinations: outcome.combinations,
      parts: parts.length,
      elapsedMs: Math.round(outcome.elapsedMs),
    });
    return EXIT.ok;
  } catch (error) {
    const failure = classifyFailure(error);
    log.error("shard failed", {
      code: failure.code,
      exitCode: failure.exitCode,
      reason: failure.reason,
      ...(failure.exitCode === EXIT.unexpected && error instanceof Error
        ? { stack: error.stack }
        : {}),
    });
    // Only bad input is final here. A transient fault or a crash may pass on a re-run
    // (backoffLimitPerIndex), so whoever runs the Job reports it once retries are spent.
    if (failure.exitCode !== EXIT.badInput) return failure.exitCode;
    try {
      await retrying(backoffMs).publish(
        createEvent(
          shardFailed.type,
          { runId, shard, code: failure.code, reason: failure.reason, exitCode: failure.exitCode },
          eventMeta(identity, "failed"),
        ),
      );
    } catch (publishError) {
      log.error("failure not reported", { error: String(publishError) });
      return EXIT.transient;
    }
    return failure.exitCode;
  }
}

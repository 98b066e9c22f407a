// The ports: small interfaces, named by role, that functions depend on instead of vendors.
import type {
  BacktestRequest,
  Best,
  FailureCode,
  ResultRow,
  SummaryStatName,
} from "../events/index.ts";

/** A run's lifecycle. `rejected` runs never started: their request was invalid. */
export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "rejected" | "cancelled";

/** A run as stored. Times are ISO-8601 strings. */
export interface RunRecord {
  readonly runId: string;
  readonly source: string;
  readonly status: RunStatus;
  readonly strategy: string;
  readonly label: string | null;
  /** The validated request; for a rejected run, whatever arrived. */
  readonly request: unknown;
  readonly combinations: number;
  readonly shardCount: number;
  readonly sort: SummaryStatName;
  readonly error: string | null;
  readonly errorCode: FailureCode | null;
  /** The best combination, set when the run succeeds. */
  readonly best: Best | null;
  readonly traceparent: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Rows recorded so far, over all shards. */
  readonly rowsRecorded: number;
}

/** A new run as dispatch records it. */
export interface NewRun {
  readonly runId: string;
  readonly source: string;
  readonly request: BacktestRequest;
  readonly combinations: number;
  readonly shardCount: number;
  readonly traceparent?: string;
}

/** One part of a shard's results, as record-result stores it. */
export interface ShardPartInput {
  readonly runId: string;
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly partIndex: number;
  readonly partCount: number;
  readonly paramNames: readonly string[];
  readonly rows: readonly ResultRow[];
  readonly best?: Best;
  readonly metrics?: { evaluated: number; elapsedMs: number; barEvaluationsPerSecond: number };
}

/** What storing a part found. */
export interface ShardPartOutcome {
  /** False when this part had been stored before (a redelivery): nothing changed. */
  readonly recorded: boolean;
  /** True when every part of every shard of the run is now stored. */
  readonly runComplete: boolean;
}

/** A results query: sort by a summary statistic, page with limit and offset. */
export interface ResultsQuery {
  readonly sort: SummaryStatName;
  readonly order: "asc" | "desc";
  readonly limit: number;
  readonly offset: number;
}

/** A stored result row. Non-finite statistics are null. */
export interface StoredResult {
  readonly comboIndex: number;
  readonly params: Record<string, number>;
  readonly stats: Record<SummaryStatName, number | null>;
}

/** A listing query: newest first, optionally one status, paged. */
export interface RunsQuery {
  readonly status?: RunStatus;
  readonly limit: number;
  readonly offset: number;
}

/** An event the broker gave up on, kept so that operators can see it. */
export interface DeadLetter {
  readonly eventId: string;
  readonly eventSource: string;
  readonly eventType: string;
  readonly subscriber: string;
  readonly reason: string;
  readonly event: unknown;
}

/**
 * Runs, their shards and results, in Postgres (or PGlite). Every write is idempotent:
 * a redelivered event changes nothing. Leaves out transactions across calls and any
 * query the functions do not make.
 */
export interface RunStore {
  /** Records a queued run; false if the run id exists already. */
  createRun(run: NewRun): Promise<boolean>;
  /** Records a run whose request was refused, with the reason; false if it exists already. */
  rejectRun(runId: string, source: string, request: unknown, reason: string): Promise<boolean>;
  /** queued -> running; false if the run is not queued. */
  markRunning(runId: string): Promise<boolean>;
  /** Stores a part's rows once per (run, shard, part). */
  recordShardPart(part: ShardPartInput): Promise<ShardPartOutcome>;
  /** running -> succeeded with the best combination, exactly once; false otherwise. */
  completeRun(runId: string): Promise<boolean>;
  /** queued|running -> failed with the reason, exactly once; false otherwise. */
  failRun(runId: string, code: FailureCode, reason: string): Promise<boolean>;
  /** queued|running -> cancelled, exactly once; false otherwise. */
  cancelRun(runId: string): Promise<boolean>;
  /** Whether the final event (completed or failed) was published; set once it was. */
  finalEventPublished(runId: string): Promise<boolean>;
  markFinalEventPublished(runId: string): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /**
   * The shard indices of a run that have not stored every part yet, ascending: what a
   * restarted launcher must run again. Empty for an unknown run.
   */
  incompleteShards(runId: string): Promise<number[]>;
  /**
   * Queued or running runs whose `startedAt` (or, never started, `createdAt`) is before
   * `olderThan`, oldest first: the reaper's candidates.
   */
  staleRuns(olderThan: Date, limit: number): Promise<RunRecord[]>;
  /**
   * Succeeded, failed or cancelled runs that finished before `finishedBefore` and whose final
   * event was never marked published, oldest first. Rejected runs have no final event.
   */
  unpublishedFinalRuns(finishedBefore: Date, limit: number): Promise<RunRecord[]>;
  listRuns(query: RunsQuery): Promise<{ runs: RunRecord[]; total: number }>;
  results(runId: string, query: ResultsQuery): Promise<StoredResult[]>;
  /** Records that (source, id) was processed; false if it was already. */
  markProcessed(source: string, id: string): Promise<boolean>;
  /** Whether (source, id) was recorded as processed. */
  wasProcessed(source: string, id: string): Promise<boolean>;
  recordDeadLetter(letter: DeadLetter): Promise<void>;
  deadLetters(limit: number): Promise<(DeadLetter & { createdAt: string })[]>;
  /** Whether the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** One shard of a run to execute, with the environment contract of backtest-job/main.ts. */
export interface ShardSpec {
  readonly runId: string;
  readonly shardIndex: number;
  readonly shardCount: number;
  /** The validated request, passed to the Job as JSON. */
  readonly request: BacktestRequest;
  readonly traceparent?: string;
}

/**
 * Starts a run's shards as Jobs and cancels them. `launch` is idempotent per run: a
 * second call for the same run starts nothing new. Leaves out watching and logs:
 * shards report through events.
 */
export interface JobLauncher {
  launch(runId: string, shards: readonly ShardSpec[]): Promise<void>;
  cancel(runId: string): Promise<void>;
  /**
   * Whether the run's Job still exists: false once it is gone, undefined when the launcher
   * cannot tell (the local launcher: its children report through events).
   */
  exists?(runId: string): Promise<boolean | undefined>;
  /**
   * Whether this launcher itself still has shards of the run queued, waiting for a retry or
   * running: the run is not stuck, whatever its age. Only a launcher that queues shards in
   * its own process (the local one) can tell; others leave it out.
   */
  holds?(runId: string): boolean;
}

/** Remembers webhook ids for a while (SET NX EX). Leaves out deletion. */
export interface ReplayGuard {
  /** Whether `key` was seen; does not record it. */
  seen(key: string): Promise<boolean>;
  /** Records `key` for `ttlSeconds`; false if it was already recorded. */
  remember(key: string, ttlSeconds: number): Promise<boolean>;
}

/** A fixed-window counter per key. Leaves out sliding windows and bursts. */
export interface RateLimiter {
  /** Counts a hit; `allowed` false once `limit` hits fell in the current window. */
  hit(
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** Live per-shard progress of running runs. Leaves out history: finished runs read Postgres. */
export interface ProgressStore {
  set(runId: string, shardIndex: number, done: number, total: number): Promise<void>;
  /** Progress summed over the run's shards. */
  get(runId: string): Promise<{ done: number; total: number } | undefined>;
  clear(runId: string): Promise<void>;
}

/** One delivery of one event to one Trigger's subscriber, as the broker's outbox keeps it. */
export interface OutboxDelivery {
  /** The outbox's own id of this delivery. */
  readonly id: number;
  /** The Trigger's name. */
  readonly trigger: string;
  /** The CloudEvent in structured mode: its attributes and `data`, as JSON. */
  readonly event: Record<string, unknown>;
  /** Tries that failed so far. */
  readonly attempts: number;
}

/**
 * The embedded broker's durable queue: a delivery is stored before the broker acknowledges
 * the event and forgotten only once it ended (delivered, dead-lettered or dropped), so a
 * restart redelivers whatever was not. One broker owns one outbox at a time. Leaves out
 * leases and competing consumers: the broker schedules in memory and the outbox is its
 * write-ahead log.
 */
export interface BrokerOutbox {
  /**
   * Stores one delivery of `event` per Trigger in `triggers`, atomically, and resolves once
   * they are durable. A delivery of the same event (source and id) to the same Trigger that
   * is still pending is not stored twice: only the new ones are returned.
   */
  append(event: Record<string, unknown>, triggers: readonly string[]): Promise<OutboxDelivery[]>;
  /** Pending deliveries with an id above `afterId` (default 0), oldest first, at most `limit`. */
  pending(limit: number, afterId?: number): Promise<OutboxDelivery[]>;
  /** Records that a try failed: `attempts` tries have failed so far. */
  recordAttempt(id: number, attempts: number): Promise<void>;
  /** The delivery ended: forgets it. Forgetting an unknown id does nothing. */
  complete(id: number): Promise<void>;
}

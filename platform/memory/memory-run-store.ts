// RunStore in plain Maps, with the Postgres adapter's semantics, for unit tests and dry runs.
import {
  type Best,
  type FailureCode,
  type ResultRow,
  SUMMARY_STATS,
  type SummaryStatName,
  strategyName,
} from "../../events/index.ts";
import type {
  DeadLetter,
  NewRun,
  ResultsQuery,
  RunRecord,
  RunStatus,
  RunStore,
  RunsQuery,
  ShardPartInput,
  ShardPartOutcome,
  StoredResult,
} from "../ports.ts";

/** Finished runs that have a final event: rejected ones never had one. */
const FINAL: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "cancelled"]);

type MutableRun = { -readonly [K in keyof RunRecord]: RunRecord[K] } & {
  finalEventPublished: boolean;
};

interface ShardState {
  partCount: number;
  partsDone: number;
  best: Best | undefined;
}

/**
 * The run store in memory. Each method finishes without awaiting, so calls are atomic and
 * concurrent calls behave as the SQL adapter's locked ones do. Returned objects are copies.
 */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, MutableRun>();
  private readonly shards = new Map<string, Map<number, ShardState>>();
  private readonly parts = new Set<string>();
  private readonly rows = new Map<string, Map<number, StoredResult>>();
  private readonly processed = new Set<string>();
  private readonly letters: (DeadLetter & { createdAt: string })[] = [];
  private closed = false;

  async createRun(run: NewRun): Promise<boolean> {
    const { request } = run;
    return this.insert({
      runId: run.runId,
      source: run.source,
      status: "queued",
      // A definition's run goes by its name; the definition stays in `request`.
      strategy: strategyName(request.strategy),
      label: request.label ?? null,
      request: structuredClone(request),
      combinations: run.combinations,
      shardCount: run.shardCount,
      sort: request.sort,
      error: null,
      errorCode: null,
      traceparent: run.traceparent ?? null,
      finishedAt: null,
    });
  }

  async rejectRun(
    runId: string,
    source: string,
    request: unknown,
    reason: string,
  ): Promise<boolean> {
    return this.insert({
      runId,
      source,
      status: "rejected",
      ...describeRejected(request),
      request: structuredClone(request ?? null),
      combinations: 0,
      shardCount: 0,
      error: reason,
      errorCode: "bad_input",
      traceparent: null,
      finishedAt: now(),
    });
  }

  private insert(
    run: Omit<
      MutableRun,
      "best" | "createdAt" | "startedAt" | "rowsRecorded" | "finalEventPublished"
    >,
  ): boolean {
    if (this.runs.has(run.runId)) return false;
    this.runs.set(run.runId, {
      ...run,
      best: null,
      createdAt: now(),
      startedAt: null,
      rowsRecorded: 0,
      finalEventPublished: false,
    });
    return true;
  }

  async markRunning(runId: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.status !== "queued") return false;
    run.status = "running";
    run.startedAt = now();
    return true;
  }

  async recordShardPart(part: ShardPartInput): Promise<ShardPartOutcome> {
    const run = this.runs.get(part.runId);
    if (!run) return { recorded: false, runComplete: false };
    // As in SQL: a part stored before still gives the rows it brings that are missing.
    const rows = getOrCreate(this.rows, part.runId, () => new Map<number, StoredResult>());
    for (const row of part.rows) {
      if (rows.has(row[0])) continue;
      rows.set(row[0], toStored(part.paramNames, row));
      run.rowsRecorded += 1;
    }
    const key = `${part.runId}/${part.shardIndex}/${part.partIndex}`;
    if (this.parts.has(key)) return { recorded: false, runComplete: this.isComplete(run) };
    this.parts.add(key);
    const shards = getOrCreate(this.shards, part.runId, () => new Map<number, ShardState>());
    const shard = shards.get(part.shardIndex);
    shards.set(part.shardIndex, {
      partCount: part.partCount,
      partsDone: (shard?.partsDone ?? 0) + 1,
      best: part.best ? structuredClone(part.best) : shard?.best,
    });
    return { recorded: true, runComplete: this.isComplete(run) };
  }

  private isComplete(run: MutableRun): boolean {
    const shards = this.shards.get(run.runId);
    let done = 0;
    for (const [index, shard] of shards ?? []) {
      if (index < run.shardCount && shard.partsDone >= shard.partCount) done += 1;
    }
    return done === run.shardCount;
  }

  async completeRun(runId: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.status !== "running") return false;
    const bests = [...(this.shards.get(runId)?.values() ?? [])].flatMap((s) =>
      s.best ? [s.best] : [],
    );
    run.status = "succeeded";
    run.finishedAt = now();
    run.best = bestOf(bests, run.sort);
    return true;
  }

  async failRun(runId: string, code: FailureCode, reason: string): Promise<boolean> {
    return this.finish(runId, "failed", code, reason);
  }

  async cancelRun(runId: string): Promise<boolean> {
    return this.finish(runId, "cancelled", "cancelled", "cancelled by request");
  }

  private finish(runId: string, status: RunStatus, code: FailureCode, reason: string): boolean {
    const run = this.runs.get(runId);
    if (run?.status !== "queued" && run?.status !== "running") return false;
    Object.assign(run, { status, errorCode: code, error: reason, finishedAt: now() });
    return true;
  }

  async finalEventPublished(runId: string): Promise<boolean> {
    return this.runs.get(runId)?.finalEventPublished ?? false;
  }

  async markFinalEventPublished(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run) run.finalEventPublished = true;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run && toRecord(run);
  }

  async incompleteShards(runId: string): Promise<number[]> {
    const run = this.runs.get(runId);
    if (!run) return [];
    const shards = this.shards.get(runId);
    return Array.from({ length: run.shardCount }, (_, i) => i).filter((i) => {
      const shard = shards?.get(i);
      return !shard || shard.partsDone < shard.partCount;
    });
  }

  async staleRuns(olderThan: Date, limit: number): Promise<RunRecord[]> {
    const since = (r: MutableRun) => Date.parse(r.startedAt ?? r.createdAt);
    return [...this.runs.values()]
      .filter(
        (r) => (r.status === "queued" || r.status === "running") && since(r) < olderThan.getTime(),
      )
      .sort((a, b) => since(a) - since(b) || compareDesc(b.runId, a.runId))
      .slice(0, limit)
      .map(toRecord);
  }

  async unpublishedFinalRuns(finishedBefore: Date, limit: number): Promise<RunRecord[]> {
    const finished = (r: MutableRun) => Date.parse(r.finishedAt ?? "");
    return [...this.runs.values()]
      .filter(
        (r) =>
          FINAL.has(r.status) && !r.finalEventPublished && finished(r) < finishedBefore.getTime(),
      )
      .sort((a, b) => finished(a) - finished(b) || compareDesc(b.runId, a.runId))
      .slice(0, limit)
      .map(toRecord);
  }

  async listRuns(query: RunsQuery): Promise<{ runs: RunRecord[]; total: number }> {
    const matching = [...this.runs.values()]
      .filter((r) => !query.status || r.status === query.status)
      // Newest first; a tie (same millisecond) by run id descending, as the SQL adapter orders it.
      .sort((a, b) => compareDesc(a.createdAt, b.createdAt) || compareDesc(a.runId, b.runId));
    const page = matching.slice(query.offset, query.offset + query.limit);
    return { runs: page.map(toRecord), total: matching.length };
  }

  async results(runId: string, query: ResultsQuery): Promise<StoredResult[]> {
    const sign = query.order === "asc" ? 1 : -1;
    const sorted = [...(this.rows.get(runId)?.values() ?? [])].sort((a, b) => {
      const x = a.stats[query.sort];
      const y = b.stats[query.sort];
      // NULLS LAST in either direction, then combo index ascending: the SQL adapter's ORDER BY.
      if (x === null || y === null)
        return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.comboIndex - b.comboIndex;
      return sign * (x - y) || a.comboIndex - b.comboIndex;
    });
    return structuredClone(sorted.slice(query.offset, query.offset + query.limit));
  }

  async markProcessed(source: string, id: string): Promise<boolean> {
    const key = JSON.stringify([source, id]);
    if (this.processed.has(key)) return false;
    this.processed.add(key);
    return true;
  }

  async wasProcessed(source: string, id: string): Promise<boolean> {
    return this.processed.has(JSON.stringify([source, id]));
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    this.letters.push({
      ...structuredClone(letter),
      event: structuredClone(letter.event ?? null),
      createdAt: now(),
    });
  }

  async deadLetters(limit: number): Promise<(DeadLetter & { createdAt: string })[]> {
    return structuredClone(this.letters.slice(-limit).reverse());
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The best of the shards' bests: highest `sort` statistic, non-numbers last, then lowest combo. */
function bestOf(bests: readonly Best[], sort: SummaryStatName): Best | null {
  const value = (b: Best) => {
    const v = b.stats[sort];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  const ranked = [...bests].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null)
      return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.comboIndex - b.comboIndex;
    return y - x || a.comboIndex - b.comboIndex;
  });
  return ranked[0] ? structuredClone(ranked[0]) : null;
}

function toStored(
  paramNames: readonly string[],
  [comboIndex, values, stats]: ResultRow,
): StoredResult {
  const params = Object.fromEntries(paramNames.map((name, i) => [name, values[i]]));
  const entries = SUMMARY_STATS.map((s, i) => {
    const v = stats[i];
    return [s, typeof v === "number" && Number.isFinite(v) ? v : null];
  });
  return { comboIndex, params, stats: Object.fromEntries(entries) };
}

/** What a refused request says about itself, as the SQL adapter's describeRejected reads it. */
function describeRejected(request: unknown): Pick<RunRecord, "strategy" | "label" | "sort"> {
  const r: Record<string, unknown> =
    typeof request === "object" && request !== null ? { ...request } : {};
  return {
    strategy: strategyName(r.strategy),
    label: typeof r.label === "string" ? r.label : null,
    sort: SUMMARY_STATS.find((s) => s === r.sort) ?? "sharpeRatio",
  };
}

function toRecord({ finalEventPublished: _, ...run }: MutableRun): RunRecord {
  return structuredClone(run);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  const value = map.get(key) ?? create();
  map.set(key, value);
  return value;
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function now(): string {
  return new Date().toISOString();
}

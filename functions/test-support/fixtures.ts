// Small, valid requests and events for the functions' tests, built with createEvent.
import {
  type BacktestRequest,
  type Best,
  backtestRequested,
  createEvent,
  deriveRunId,
  type ResultRow,
  SUMMARY_STATS,
  type SummaryStatName,
  shardCompleted,
  shardFailed,
  shardProgress,
  type ZixlyEvent,
} from "../../events/index.ts";

/** A valid run id, the same for the same name. */
export function runIdFor(name: string): string {
  return deriveRunId("test", name);
}

/** A request of 2 x 2 = 4 combinations. */
export const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 40] },
  data: { synthetic: { bars: 300, seed: 1 } },
  sort: "sharpeRatio",
  callbackUrl: "https://hooks.example.com/backtests",
  label: "nightly sweep",
};

export const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** A `requested` event for `runId`. */
export function requestedEvent(
  runId: string,
  options: { combinations?: number; request?: Partial<BacktestRequest>; id?: string } = {},
): ZixlyEvent {
  return createEvent(
    backtestRequested.type,
    {
      runId,
      source: "backtest",
      combinations: options.combinations ?? 4,
      request: { ...REQUEST, ...options.request },
      receivedAt: "2030-01-01T00:00:00.000Z",
    },
    { id: options.id ?? runId, source: "/zixly/ingest-webhook", traceparent: TRACEPARENT },
  );
}

/** Stats in SUMMARY_STATS order, every one 1 except those given. */
export function stats(values: Partial<Record<SummaryStatName, number | null>> = {}) {
  return SUMMARY_STATS.map((name) => (name in values ? (values[name] ?? null) : 1));
}

/** A row for combination `comboIndex` with params [fast, slow]. */
export function row(
  comboIndex: number,
  params: [number, number],
  values: Partial<Record<SummaryStatName, number | null>> = {},
): ResultRow {
  return [comboIndex, params, stats(values)];
}

/** A shard's best combination, with its stats by name. */
export function best(comboIndex: number, params: [number, number], sharpeRatio: number): Best {
  return {
    comboIndex,
    params: { fast: params[0], slow: params[1] },
    stats: { sharpeRatio, returnPct: sharpeRatio * 10 },
    trades: [],
    tradesTotal: 0,
    equityCurve: [],
  };
}

/** One part of a shard's results; the event id names run, shard and part, as the Job does. */
export function completedPart(
  runId: string,
  shard: { index: number; count: number },
  part: { index: number; count: number },
  rows: ResultRow[],
  shardBest?: Best,
): ZixlyEvent {
  return createEvent(
    shardCompleted.type,
    {
      runId,
      shard,
      part,
      paramNames: ["fast", "slow"],
      rows,
      ...(part.index === 0
        ? { metrics: { evaluated: rows.length, elapsedMs: 5, barEvaluationsPerSecond: 1000 } }
        : {}),
      ...(shardBest ? { best: shardBest } : {}),
    },
    {
      id: `${runId}/shard-${shard.index}/part-${part.index}`,
      source: "/zixly/backtest-job",
      traceparent: TRACEPARENT,
    },
  );
}

export function failedShard(runId: string, shard: { index: number; count: number }): ZixlyEvent {
  return createEvent(
    shardFailed.type,
    { runId, shard, code: "crashed", reason: "exit 137", exitCode: 137 },
    { id: `${runId}/shard-${shard.index}/failed`, source: "/zixly/backtest-job" },
  );
}

export function progressOf(
  runId: string,
  shard: { index: number; count: number },
  done: number,
  total: number,
): ZixlyEvent {
  return createEvent(
    shardProgress.type,
    { runId, shard, done, total },
    { id: `${runId}/shard-${shard.index}/progress-${done}`, source: "/zixly/backtest-job" },
  );
}

// The public shape of a run, as GET /runs/:id and GET /runs return it.
import { STRATEGIES } from "../../backtest-job/engine/strategies/index.ts";
import type { RunRecord } from "../../platform/ports.ts";

/** A run for clients: status, progress, best combination and times. */
export interface RunView {
  runId: string;
  status: RunRecord["status"];
  strategy: string;
  /**
   * The strategy as a definition (docs/strategy-definitions.md): the one submitted for a
   * custom run, the built-in's own for a named one; null when there is none (a rejected
   * request that named an unknown strategy).
   */
  definition: unknown;
  label: string | null;
  /** Where the bars came from, for people: never the inline CSV, never a URL's query. */
  dataSource: DataSourceView;
  /** The statistic that ranks the run's combinations. */
  sort: RunRecord["sort"];
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

/** A run's data source, summarised: its kind and a short description. */
export interface DataSourceView {
  kind: "synthetic" | "path" | "url" | "inline" | "unknown";
  detail: string;
}

/**
 * Summarises `request.data`. The request is `unknown` because a rejected run keeps whatever
 * arrived. A URL shows its origin and path only: its query may hold a signature or a token.
 */
export function dataSourceView(request: unknown): DataSourceView {
  const data = (request as { data?: Record<string, unknown> } | null)?.data;
  if (data && typeof data === "object") {
    const synthetic = data.synthetic as { bars?: unknown; seed?: unknown } | undefined;
    if (synthetic && typeof synthetic === "object")
      return {
        kind: "synthetic",
        detail: `${String(synthetic.bars)} bars, seed ${String(synthetic.seed)}`,
      };
    if (typeof data.path === "string") return { kind: "path", detail: data.path };
    if (typeof data.url === "string") {
      try {
        const url = new URL(data.url);
        return { kind: "url", detail: `${url.origin}${url.pathname}` };
      } catch {
        return { kind: "url", detail: "(not a valid URL)" };
      }
    }
    if (typeof data.csv === "string")
      return { kind: "inline", detail: `${Buffer.byteLength(data.csv)} bytes of CSV` };
  }
  return { kind: "unknown", detail: "" };
}

/**
 * The definition a run ran: the request's own (kept in the order it came), or the named
 * built-in's. The request is `unknown` because a rejected run keeps whatever arrived.
 */
export function definitionView(request: unknown): unknown {
  const strategy = (request as { strategy?: unknown } | null)?.strategy;
  if (typeof strategy === "object" && strategy !== null && !Array.isArray(strategy)) {
    return strategy;
  }
  if (typeof strategy !== "string") return null;
  return STRATEGIES.find((s) => s.name === strategy)?.definition ?? null;
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
    definition: definitionView(run.request),
    label: run.label,
    dataSource: dataSourceView(run.request),
    sort: run.sort,
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

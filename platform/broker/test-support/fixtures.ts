// Small events, a recording sleep and a quiet logger for the broker's tests.
import { createEvent, type ZixlyEvent } from "../../../events/cloud-event.ts";
import type { Logger } from "../../log.ts";
import type { DeliveryOutcome } from "../embedded-broker.ts";

export const RUN_ID = `run_${"a".repeat(26)}`;

export function progressEvent(id = "progress-1"): ZixlyEvent {
  return createEvent(
    "com.zixly.backtest.shard.progress.v1",
    { runId: RUN_ID, shard: { index: 0, count: 2 }, done: 1, total: 10 },
    { id, source: "/zixly/backtest-job" },
  );
}

export function shardFailedEvent(id = "shard-failed-1"): ZixlyEvent {
  return createEvent(
    "com.zixly.backtest.shard.failed.v1",
    { runId: RUN_ID, shard: { index: 1, count: 2 }, code: "crashed", reason: "exit 137" },
    {
      id,
      source: "/zixly/backtest-job",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    },
  );
}

export function runFailedEvent(id = "run-failed-1"): ZixlyEvent {
  return createEvent(
    "com.zixly.backtest.failed.v1",
    {
      runId: RUN_ID,
      status: "failed",
      code: "crashed",
      reason: "shard 1 crashed",
      finishedAt: "2025-01-01T00:00:00.000Z",
    },
    { id, source: "/zixly/record-result" },
  );
}

/** A sleep that returns at once and remembers how long it was asked to wait. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** A logger that keeps its lines instead of writing them. */
export function quietLog(): Logger & {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log = {
    lines,
    debug: (message: string, fields?: Record<string, unknown>) =>
      void lines.push({ level: "debug", message, fields }),
    info: (message: string, fields?: Record<string, unknown>) =>
      void lines.push({ level: "info", message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) =>
      void lines.push({ level: "warn", message, fields }),
    error: (message: string, fields?: Record<string, unknown>) =>
      void lines.push({ level: "error", message, fields }),
    child: () => log,
  };
  return log;
}

/** A subscriber that answers `statuses` in turn (the last one repeats) and records its calls. */
export function scripted(...statuses: (number | Error)[]) {
  const calls: ZixlyEvent[] = [];
  const subscriber = async (event: ZixlyEvent): Promise<DeliveryOutcome> => {
    const answer = statuses[Math.min(calls.length, statuses.length - 1)]!;
    calls.push(event);
    if (answer instanceof Error) throw answer;
    return { status: answer, body: `answered ${answer}` };
  };
  return { calls, subscriber };
}

/** A promise with its resolve exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

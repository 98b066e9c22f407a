// Every event type of the pipeline, by its `type` string.
import type { z } from "zod";
import { backtestCompleted } from "./backtest-completed.ts";
import { backtestFailed } from "./backtest-failed.ts";
import { backtestRequested } from "./backtest-requested.ts";
import { shardCompleted } from "./shard-completed.ts";
import { shardFailed } from "./shard-failed.ts";
import { shardProgress } from "./shard-progress.ts";

/** Event definitions, keyed by type. Triggers filter on these strings. */
export const EVENTS = {
  [backtestRequested.type]: backtestRequested,
  [shardProgress.type]: shardProgress,
  [shardCompleted.type]: shardCompleted,
  [shardFailed.type]: shardFailed,
  [backtestCompleted.type]: backtestCompleted,
  [backtestFailed.type]: backtestFailed,
} as const;

export type EventType = keyof typeof EVENTS;
/** The data of event type `T`. */
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]["data"]>;

/** Whether `type` is one of ours. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}

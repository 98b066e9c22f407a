// The shape of runs already read (combinations and shards): record-result checks every shard event against it.
import type { RunRecord, RunStore } from "../../platform/ports.ts";

/** What check-against-run.ts needs of a run. Fixed once dispatch-backtest recorded the run. */
export type RunShape = Pick<RunRecord, "combinations" | "shardCount">;

/**
 * Remembers the shape of the last `max` runs read, so that a run's progress events (one per
 * shard every second or so) cost one database read in all rather than one each. An unknown
 * run is not remembered: it may be recorded a moment later.
 */
export class RunShapes {
  readonly #shapes = new Map<string, RunShape>();
  readonly #max: number;

  constructor(max = 1_000) {
    this.#max = max;
  }

  /** The shape of `runId`, from memory or else from `store`; undefined for an unknown run. */
  async get(runId: string, store: Pick<RunStore, "getRun">): Promise<RunShape | undefined> {
    const known = this.#shapes.get(runId);
    if (known) {
      // Most recently used last, so the oldest is the first to go.
      this.#shapes.delete(runId);
      this.#shapes.set(runId, known);
      return known;
    }
    const run = await store.getRun(runId);
    if (!run) return undefined;
    const shape = { combinations: run.combinations, shardCount: run.shardCount };
    this.#shapes.set(runId, shape);
    if (this.#shapes.size > this.#max) {
      this.#shapes.delete(this.#shapes.keys().next().value as string);
    }
    return shape;
  }
}

// zixly_runs_in_flight: counted in the store at scrape time, cached, absent when it cannot be counted.
import { afterEach, describe, expect, it } from "vitest";
import { BacktestRequestSchema, deriveRunId } from "../../events/index.ts";
import { MemoryRunStore } from "../memory/memory-run-store.ts";
import type { RunStore } from "../ports.ts";
import { metricsRegistry } from "./registry.ts";
import { watchRunsInFlight } from "./runs-in-flight.ts";
import { sample } from "./test-support/sample.ts";

const REQUEST = BacktestRequestSchema.parse({
  strategy: "sma-crossover",
  params: { fast: [5], slow: [20] },
  data: { synthetic: { bars: 300, seed: 1 } },
});

let unwatch: (() => void) | undefined;
afterEach(() => unwatch?.());

async function storeWith(queued: number, running: number): Promise<MemoryRunStore> {
  const store = new MemoryRunStore();
  for (let i = 0; i < queued + running; i++) {
    const runId = deriveRunId("test", `in-flight-${i}`);
    await store.createRun({
      runId,
      source: "backtest",
      request: REQUEST,
      combinations: 4,
      shardCount: 1,
    });
    if (i >= queued) await store.markRunning(runId);
  }
  return store;
}

/** `store`, counting its listRuns calls and optionally never answering them. */
function counted(store: RunStore, hang = false): RunStore & { calls: number } {
  const wrapped = Object.create(store) as RunStore & { calls: number };
  wrapped.calls = 0;
  wrapped.listRuns = (query) => {
    wrapped.calls++;
    return hang ? new Promise(() => undefined) : store.listRuns(query);
  };
  return wrapped;
}

describe("zixly_runs_in_flight", () => {
  it("has no samples while no store is watched", async () => {
    expect(await metricsRegistry.getSingleMetricAsString("zixly_runs_in_flight")).not.toMatch(
      /^zixly_runs_in_flight\{/m,
    );
  });

  it("counts queued and running runs, and reuses a count for the cache period", async () => {
    let now = 0;
    const store = counted(await storeWith(2, 3));
    unwatch = watchRunsInFlight(store, { now: () => now, cacheMs: 5_000 });
    expect(await sample("zixly_runs_in_flight", { status: "queued" })).toBe(2);
    expect(await sample("zixly_runs_in_flight", { status: "running" })).toBe(3);
    expect(store.calls).toBe(2); // one query per status, once for both scrapes
    now = 5_000;
    await sample("zixly_runs_in_flight");
    expect(store.calls).toBe(4);
  });

  it("drops its samples when the count times out, rather than show a stale one", async () => {
    let now = 0;
    const errors: unknown[] = [];
    const good = await storeWith(1, 1);
    unwatch = watchRunsInFlight(good, { now: () => now });
    expect(await sample("zixly_runs_in_flight", { status: "running" })).toBe(1);
    unwatch = watchRunsInFlight(counted(good, true), {
      now: () => now,
      timeoutMs: 20,
      onError: (e) => errors.push(e),
    });
    now = 10_000;
    const text = await metricsRegistry.getSingleMetricAsString("zixly_runs_in_flight");
    expect(text).not.toMatch(/^zixly_runs_in_flight\{/m);
    expect(String(errors[0])).toMatch(/longer than 20 ms/);
  });

  it("stops counting once unwatched", async () => {
    const stop = watchRunsInFlight(await storeWith(1, 0));
    expect(await sample("zixly_runs_in_flight", { status: "queued" })).toBe(1);
    stop();
    expect(await sample("zixly_runs_in_flight", { status: "queued" })).toBe(0);
  });
});

// zixly_runs_in_flight: queued and running runs, counted in the store when Prometheus scrapes.
import { Gauge } from "prom-client";
import type { RunStore } from "../ports.ts";
import { metricsRegistry } from "./registry.ts";

interface Counts {
  readonly queued: number;
  readonly running: number;
}

interface Watch {
  readonly count: () => Promise<Counts>;
  readonly cacheMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  last?: { readonly at: number; readonly counts: Counts };
  pending?: Promise<Counts | undefined>;
}

let watch: Watch | undefined;

/**
 * Read from the store at scrape time rather than kept up to date by the functions: a gauge
 * moved by inc/dec in one process of many would drift with every crash and redelivery.
 * Without a store to watch, or when the count fails, the gauge has no samples at all:
 * better absent than stale.
 */
export const runsInFlight = new Gauge({
  name: "zixly_runs_in_flight",
  help: "Runs queued or running now, counted in the store at scrape time (cached for 5 s).",
  labelNames: ["status"] as const,
  registers: [metricsRegistry],
  async collect() {
    const counts = watch ? await current(watch) : undefined;
    this.reset();
    if (!counts) return;
    this.set({ status: "queued" }, counts.queued);
    this.set({ status: "running" }, counts.running);
  },
});

export interface RunsInFlightOptions {
  /** A count is reused for this long, so frequent scrapes cost one query pair (default 5,000). */
  readonly cacheMs?: number;
  /** A count slower than this is given up for this scrape (default 2,000). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Told when a count fails or times out. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Makes `zixly_runs_in_flight` count the runs in `store`; returns a function that stops it
 * (call it before closing the store). Only one store is watched per process: the last one.
 */
export function watchRunsInFlight(store: RunStore, options: RunsInFlightOptions = {}): () => void {
  const count = async (): Promise<Counts> => {
    const [queued, running] = await Promise.all([
      store.listRuns({ status: "queued", limit: 0, offset: 0 }),
      store.listRuns({ status: "running", limit: 0, offset: 0 }),
    ]);
    return { queued: queued.total, running: running.total };
  };
  const mine: Watch = {
    count,
    cacheMs: options.cacheMs ?? 5_000,
    timeoutMs: options.timeoutMs ?? 2_000,
    now: options.now ?? Date.now,
    onError: options.onError ?? (() => undefined),
  };
  watch = mine;
  return () => {
    if (watch === mine) watch = undefined;
  };
}

/** The cached counts, or fresh ones; scrapes arriving together share one count. */
function current(w: Watch): Promise<Counts | undefined> {
  if (w.last && w.now() - w.last.at < w.cacheMs) return Promise.resolve(w.last.counts);
  w.pending ??= withTimeout(w.count(), w.timeoutMs)
    .then((counts) => {
      w.last = { at: w.now(), counts };
      return counts;
    })
    .catch((error: unknown) => {
      w.last = undefined;
      w.onError(error);
      return undefined;
    })
    .finally(() => {
      w.pending = undefined;
    });
  return w.pending;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run count took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  work.catch(() => undefined); // a failure after the timeout has nobody left to tell
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

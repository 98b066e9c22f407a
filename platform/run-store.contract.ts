// The cases every RunStore adapter must pass; each adapter's test file runs them against its own make.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BacktestRequest,
  type Best,
  type ResultRow,
  SUMMARY_STATS,
  type SummaryStatName,
} from "../events/index.ts";
import type { NewRun, RunStore, ShardPartInput } from "./ports.ts";

/** One fresh store and a way to release it. */
export interface RunStoreHarness {
  readonly store: RunStore;
  close(): Promise<void>;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const newRunId = () =>
  `run_${Array.from({ length: 26 }, () => BASE32[Math.floor(Math.random() * 32)]).join("")}`;

const request = (sort: SummaryStatName = "sharpeRatio"): BacktestRequest => ({
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20] },
  data: { synthetic: { bars: 300, seed: 1 } },
  sort,
  label: "nightly",
});

const newRun = (over: Partial<NewRun> = {}): NewRun => ({
  runId: newRunId(),
  source: "backtest",
  request: request(),
  combinations: 4,
  shardCount: 2,
  ...over,
});

/** A row with every statistic 0 except those given; `null` stands for a non-finite value. */
const row = (
  combo: number,
  stats: Partial<Record<SummaryStatName, number | null>> = {},
): ResultRow => [combo, [5 + combo, 20], SUMMARY_STATS.map((s) => (s in stats ? stats[s]! : 0))];

const best = (comboIndex: number, stats: Best["stats"]): Best => ({
  comboIndex,
  params: { fast: 5 + comboIndex, slow: 20 },
  stats,
  trades: [],
  tradesTotal: 0,
  equityCurve: [[0, 10_000]],
});

const part = (runId: string, over: Partial<ShardPartInput> = {}): ShardPartInput => ({
  runId,
  shardIndex: 0,
  shardCount: 2,
  partIndex: 0,
  partCount: 1,
  paramNames: ["fast", "slow"],
  rows: [row(0)],
  ...over,
});

/**
 * Registers the shared RunStore cases under `name`. `make` is called before each case and must
 * return a store that holds nothing.
 */
export function runRunStoreContract(name: string, make: () => Promise<RunStoreHarness>): void {
  describe(`RunStore contract: ${name}`, () => {
    let store: RunStore;
    let h: RunStoreHarness;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h?.close();
    });

    /** A run recorded and marked running, as dispatch leaves it. */
    const running = async (over: Partial<NewRun> = {}) => {
      const run = newRun(over);
      await store.createRun(run);
      await store.markRunning(run.runId);
      return run;
    };

    it("creates a queued run and reads it back", async () => {
      const run = newRun({
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      });
      expect(await store.createRun(run)).toBe(true);
      const got = await store.getRun(run.runId);
      expect(got).toMatchObject({
        runId: run.runId,
        source: "backtest",
        status: "queued",
        strategy: "sma-crossover",
        label: "nightly",
        request: run.request,
        combinations: 4,
        shardCount: 2,
        sort: "sharpeRatio",
        error: null,
        errorCode: null,
        best: null,
        traceparent: run.traceparent,
        startedAt: null,
        finishedAt: null,
        rowsRecorded: 0,
      });
      expect(new Date(got!.createdAt).toISOString()).toBe(got!.createdAt);
      expect(await store.getRun(newRunId())).toBeUndefined();
    });

    it("refuses a duplicate run and keeps the first", async () => {
      const run = newRun();
      expect(await store.createRun(run)).toBe(true);
      expect(await store.createRun({ ...run, combinations: 99 })).toBe(false);
      expect((await store.getRun(run.runId))?.combinations).toBe(4);
      expect((await store.listRuns({ limit: 10, offset: 0 })).total).toBe(1);
    });

    it("records a rejected run once, with whatever arrived", async () => {
      const runId = newRunId();
      const raw = { strategy: "nope", sort: "bogus", extra: [1] };
      expect(await store.rejectRun(runId, "backtest", raw, "unknown strategy")).toBe(true);
      expect(await store.rejectRun(runId, "backtest", raw, "again")).toBe(false);
      const got = await store.getRun(runId);
      expect(got).toMatchObject({
        status: "rejected",
        strategy: "nope",
        sort: "sharpeRatio",
        request: raw,
      });
      expect(got).toMatchObject({
        error: "unknown strategy",
        errorCode: "bad_input",
        shardCount: 0,
      });
      expect(got?.finishedAt).not.toBeNull();
      expect(await store.rejectRun(newRunId(), "backtest", "not json object", "bad")).toBe(true);
      expect(await store.markRunning(runId)).toBe(false);
    });

    it("keeps a definition's run by its name, and the definition with its keys in order", async () => {
      // Neither object is in jsonb's key order (shorter keys first): `slowMa` uses `fastMa`,
      // which must stay above it, and the parameters enumerate the grid in declared order.
      const definition = {
        name: "my-cross",
        parameters: { period: { integer: true }, fast: { integer: true } },
        series: {
          fastMa: { sma: { period: { param: "fast" } } },
          zz: "fastMa",
          a: { previous: "zz" },
        },
        entry: { long: { crossesAbove: ["close", "a"] } },
      };
      const run = newRun({ request: { ...request(), strategy: definition } });
      await store.createRun(run);
      const got = await store.getRun(run.runId);
      expect(got?.strategy).toBe("my-cross");
      expect(got?.request).toEqual(run.request);
      const stored = (got!.request as { strategy: typeof definition }).strategy;
      expect(JSON.stringify(stored)).toBe(JSON.stringify(definition));
      expect((await store.listRuns({ limit: 10, offset: 0 })).runs[0].request).toEqual(run.request);

      const { name: _, ...unnamed } = definition;
      const anonymous = newRun({ request: { ...request(), strategy: unnamed } });
      await store.createRun(anonymous);
      expect((await store.getRun(anonymous.runId))?.strategy).toBe("custom");

      const rejected = newRunId();
      await store.rejectRun(rejected, "backtest", { strategy: definition }, "bad grid");
      const refused = await store.getRun(rejected);
      expect(refused?.strategy).toBe("my-cross");
      expect(JSON.stringify(refused?.request)).toBe(JSON.stringify({ strategy: definition }));
    });

    it("marks a queued run running once", async () => {
      const run = newRun();
      await store.createRun(run);
      expect(await store.markRunning(run.runId)).toBe(true);
      expect(await store.markRunning(run.runId)).toBe(false);
      expect(await store.markRunning(newRunId())).toBe(false);
      const got = await store.getRun(run.runId);
      expect(got?.status).toBe("running");
      expect(got?.startedAt).not.toBeNull();
    });

    it("stores a part's rows and reports completeness only when every part of every shard is in", async () => {
      const { runId } = await running();
      const first = await store.recordShardPart(
        part(runId, { partCount: 2, rows: [row(0), row(1)] }),
      );
      expect(first).toEqual({ recorded: true, runComplete: false });
      const p1 = part(runId, { partIndex: 1, partCount: 2, rows: [row(2)] });
      expect(await store.recordShardPart(p1)).toEqual({ recorded: true, runComplete: false });
      const last = part(runId, { shardIndex: 1, rows: [row(3)] });
      expect(await store.recordShardPart(last)).toEqual({ recorded: true, runComplete: true });
      expect((await store.getRun(runId))?.rowsRecorded).toBe(4);
    });

    it("names the shards that have not stored every part, for a restarted launcher", async () => {
      const { runId } = await running({ shardCount: 3 });
      expect(await store.incompleteShards(runId)).toEqual([0, 1, 2]);
      await store.recordShardPart(part(runId, { shardIndex: 1, partCount: 2, rows: [row(0)] }));
      await store.recordShardPart(part(runId, { shardIndex: 2, rows: [row(1)] }));
      // Shard 1 has one part of two: it must run again; shard 2 is done.
      expect(await store.incompleteShards(runId)).toEqual([0, 1]);
      expect(await store.incompleteShards(newRunId())).toEqual([]);
    });

    it("ignores a redelivered part: no duplicate rows, no extra progress", async () => {
      const { runId } = await running({ shardCount: 1 });
      const p0 = part(runId, { partCount: 2, rows: [row(0), row(1)] });
      expect(await store.recordShardPart(p0)).toEqual({ recorded: true, runComplete: false });
      expect(await store.recordShardPart(p0)).toEqual({ recorded: false, runComplete: false });
      expect((await store.getRun(runId))?.rowsRecorded).toBe(2);
      const p1 = part(runId, { partIndex: 1, partCount: 2, rows: [row(2)] });
      expect(await store.recordShardPart(p1)).toEqual({ recorded: true, runComplete: true });
      expect(await store.recordShardPart(p1)).toEqual({ recorded: false, runComplete: true });
      const all = await store.results(runId, {
        sort: "sharpeRatio",
        order: "desc",
        limit: 10,
        offset: 0,
      });
      expect(all.map((r) => r.comboIndex)).toEqual([0, 1, 2]);
    });

    it("stores the missing rows of a part stored before under the same key, counting the part once", async () => {
      // A shard that ran again after a restart cut its part 0 one row later than the first run.
      const { runId } = await running({ shardCount: 1 });
      const first = part(runId, { partCount: 2, rows: [row(0)] });
      expect(await store.recordShardPart(first)).toEqual({ recorded: true, runComplete: false });
      const again = part(runId, { partCount: 2, rows: [row(0), row(1)] });
      expect(await store.recordShardPart(again)).toEqual({ recorded: false, runComplete: false });
      const p1 = part(runId, { partIndex: 1, partCount: 2, rows: [row(2)] });
      expect(await store.recordShardPart(p1)).toEqual({ recorded: true, runComplete: true });
      expect((await store.getRun(runId))?.rowsRecorded).toBe(3);
      const stored = await store.results(runId, {
        sort: "sharpeRatio",
        order: "desc",
        limit: 10,
        offset: 0,
      });
      expect(stored.map((r) => r.comboIndex).sort()).toEqual([0, 1, 2]);
    });

    it("ignores a part of an unknown run", async () => {
      expect(await store.recordShardPart(part(newRunId()))).toEqual({
        recorded: false,
        runComplete: false,
      });
    });

    it("sees the run complete when the last parts of two shards arrive together", async () => {
      const { runId } = await running();
      const outcomes = await Promise.all([
        store.recordShardPart(part(runId, { shardIndex: 0, rows: [row(0)] })),
        store.recordShardPart(part(runId, { shardIndex: 1, rows: [row(1)] })),
      ]);
      expect(outcomes.some((o) => o.runComplete)).toBe(true);
    });

    it("completes a running run exactly once, even when asked twice at once", async () => {
      const { runId } = await running();
      expect(await Promise.all([store.completeRun(runId), store.completeRun(runId)])).toEqual(
        expect.arrayContaining([true, false]),
      );
      expect(await store.completeRun(runId)).toBe(false);
      const got = await store.getRun(runId);
      expect(got).toMatchObject({ status: "succeeded", best: null });
      expect(got?.finishedAt).not.toBeNull();
    });

    it("does not complete a queued or unknown run", async () => {
      const run = newRun();
      await store.createRun(run);
      expect(await store.completeRun(run.runId)).toBe(false);
      expect(await store.completeRun(newRunId())).toBe(false);
    });

    it("keeps the best of the shards' bests by the run's sort statistic", async () => {
      const { runId } = await running({ request: request("returnPct"), shardCount: 4 });
      const bests = [
        best(0, { returnPct: 5, sharpeRatio: 9 }),
        best(7, { returnPct: 12, sharpeRatio: 1 }),
        best(3, { returnPct: 12, sharpeRatio: 0 }),
        best(1, { returnPct: null, sharpeRatio: 20 }),
      ];
      for (const [shardIndex, b] of bests.entries()) {
        await store.recordShardPart(part(runId, { shardIndex, shardCount: 4, best: b, rows: [] }));
      }
      expect(await store.completeRun(runId)).toBe(true);
      expect((await store.getRun(runId))?.best).toEqual(bests[2]);
    });

    it("ranks a missing or non-numeric statistic below any number", async () => {
      const { runId } = await running();
      const bests = [best(0, { sharpeRatio: null }), best(1, { sharpeRatio: -3 })];
      await store.recordShardPart(part(runId, { shardIndex: 0, best: bests[0] }));
      await store.recordShardPart(part(runId, { shardIndex: 1, best: bests[1] }));
      await store.completeRun(runId);
      expect((await store.getRun(runId))?.best).toEqual(bests[1]);
    });

    it("fails a queued or running run once, never a finished one", async () => {
      const queued = newRun();
      await store.createRun(queued);
      expect(await store.failRun(queued.runId, "bad_input", "no data")).toBe(true);
      expect(await store.failRun(queued.runId, "crashed", "again")).toBe(false);
      expect(await store.getRun(queued.runId)).toMatchObject({
        status: "failed",
        errorCode: "bad_input",
        error: "no data",
      });
      const run = await running();
      expect(await store.failRun(run.runId, "deadline", "too slow")).toBe(true);
      expect(await store.completeRun(run.runId)).toBe(false);
      const done = await running();
      await store.completeRun(done.runId);
      expect(await store.failRun(done.runId, "crashed", "late")).toBe(false);
      expect((await store.getRun(done.runId))?.status).toBe("succeeded");
      expect(await store.failRun(newRunId(), "crashed", "who")).toBe(false);
    });

    it("fails a run whose reason holds NUL or a lone surrogate (a Job's stderr), keeping it readable", async () => {
      const { runId } = await running();
      expect(await store.failRun(runId, "crashed", "exit 1; last stderr: a\u0000b \ud800")).toBe(
        true,
      );
      const got = await store.getRun(runId);
      expect(got?.status).toBe("failed");
      expect(got?.error).toMatch(/^exit 1; last stderr: a.*b /);
    });

    it("cancels a queued or running run once", async () => {
      const { runId } = await running();
      expect(await store.cancelRun(runId)).toBe(true);
      expect(await store.cancelRun(runId)).toBe(false);
      expect(await store.getRun(runId)).toMatchObject({
        status: "cancelled",
        errorCode: "cancelled",
        error: "cancelled by request",
      });
      expect(await store.completeRun(runId)).toBe(false);
      expect(await store.failRun(runId, "crashed", "late")).toBe(false);
    });

    it("remembers that the final event was published", async () => {
      const { runId } = await running();
      expect(await store.finalEventPublished(runId)).toBe(false);
      await store.markFinalEventPublished(runId);
      await store.markFinalEventPublished(runId);
      expect(await store.finalEventPublished(runId)).toBe(true);
      expect(await store.finalEventPublished(newRunId())).toBe(false);
    });

    it("finds queued and running runs started (or created) before a time, oldest first", async () => {
      const queued = newRun();
      await store.createRun(queued);
      await sleep(5);
      const started = newRun();
      await store.createRun(started);
      await sleep(5);
      const finished = await running();
      await store.failRun(finished.runId, "crashed", "gone");
      const rejected = newRunId();
      await store.rejectRun(rejected, "backtest", {}, "bad");
      await sleep(5);
      // Started last: its startedAt, not its earlier createdAt, is what counts.
      await store.markRunning(started.runId);
      const startedAt = (await store.getRun(started.runId))!.startedAt!;

      const later = new Date(Date.now() + 60_000);
      expect((await store.staleRuns(later, 10)).map((r) => r.runId)).toEqual([
        queued.runId,
        started.runId,
      ]);
      const [first] = await store.staleRuns(later, 1);
      expect(first).toMatchObject({ runId: queued.runId, status: "queued", startedAt: null });
      expect((await store.staleRuns(new Date(startedAt), 10)).map((r) => r.runId)).toEqual([
        queued.runId,
      ]);
      expect(await store.staleRuns(new Date(Date.now() - 60_000), 10)).toEqual([]);
    });

    it("finds finished runs whose final event never went out, not rejected ones", async () => {
      const failed = await running();
      await store.failRun(failed.runId, "deadline", "too slow");
      await sleep(5);
      const succeeded = await running();
      await store.completeRun(succeeded.runId);
      const announced = await running();
      await store.cancelRun(announced.runId);
      await store.markFinalEventPublished(announced.runId);
      await running();
      await store.rejectRun(newRunId(), "backtest", {}, "bad");

      const later = new Date(Date.now() + 60_000);
      const found = await store.unpublishedFinalRuns(later, 10);
      expect(found.map((r) => [r.runId, r.status])).toEqual([
        [failed.runId, "failed"],
        [succeeded.runId, "succeeded"],
      ]);
      expect(found[0]).toMatchObject({ errorCode: "deadline", error: "too slow" });
      expect((await store.unpublishedFinalRuns(later, 1)).map((r) => r.runId)).toEqual([
        failed.runId,
      ]);
      expect(await store.unpublishedFinalRuns(new Date(Date.now() - 60_000), 10)).toEqual([]);
      await store.markFinalEventPublished(failed.runId);
      expect((await store.unpublishedFinalRuns(later, 10)).map((r) => r.runId)).toEqual([
        succeeded.runId,
      ]);
    });

    it("lists runs newest first, by status, paged, with the total", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const run = newRun();
        await store.createRun(run);
        if (i % 2 === 0) await store.markRunning(run.runId);
        ids.push(run.runId);
        await sleep(5); // creation times are compared at millisecond resolution
      }
      const all = await store.listRuns({ limit: 10, offset: 0 });
      expect(all.total).toBe(5);
      expect(all.runs.map((r) => r.runId)).toEqual([...ids].reverse());
      const page = await store.listRuns({ limit: 2, offset: 1 });
      expect(page.runs.map((r) => r.runId)).toEqual([ids[3], ids[2]]);
      expect(page.total).toBe(5);
      const runningOnly = await store.listRuns({ status: "running", limit: 1, offset: 1 });
      expect(runningOnly.runs.map((r) => r.runId)).toEqual([ids[2]]);
      expect(runningOnly.total).toBe(3);
      expect(await store.listRuns({ status: "failed", limit: 10, offset: 0 })).toEqual({
        runs: [],
        total: 0,
      });
    });

    it("sorts results by a statistic with nulls last either way, ties by combo, paged", async () => {
      const { runId } = await running({ shardCount: 1 });
      const rows = [
        row(0, { sharpeRatio: 1 }),
        row(1, { sharpeRatio: null }),
        row(2, { sharpeRatio: 3 }),
      ];
      rows.push(row(3, { sharpeRatio: Number.NaN }), row(4, { sharpeRatio: 1 }));
      await store.recordShardPart(part(runId, { shardCount: 1, rows }));
      const page = (order: "asc" | "desc", offset = 0, limit = 10) =>
        store.results(runId, { sort: "sharpeRatio", order, limit, offset });
      expect((await page("desc")).map((r) => r.comboIndex)).toEqual([2, 0, 4, 1, 3]);
      expect((await page("asc")).map((r) => r.comboIndex)).toEqual([0, 4, 2, 1, 3]);
      expect((await page("desc", 1, 2)).map((r) => r.comboIndex)).toEqual([0, 4]);
      const [top] = await page("desc", 0, 1);
      expect(top).toEqual({
        comboIndex: 2,
        params: { fast: 7, slow: 20 },
        stats: { ...Object.fromEntries(SUMMARY_STATS.map((s) => [s, 0])), sharpeRatio: 3 },
      });
      expect((await page("desc", 3)).find((r) => r.comboIndex === 3)?.stats.sharpeRatio).toBeNull();
      expect(
        await store.results(newRunId(), {
          sort: "sharpeRatio",
          order: "desc",
          limit: 5,
          offset: 0,
        }),
      ).toEqual([]);
    });

    it("sorts results by every summary statistic", async () => {
      const { runId } = await running({ shardCount: 1 });
      const rows = SUMMARY_STATS.map((s, i) => row(i, { [s]: 100 + i }));
      await store.recordShardPart(part(runId, { shardCount: 1, rows }));
      for (const [i, sort] of SUMMARY_STATS.entries()) {
        const [top] = await store.results(runId, { sort, order: "desc", limit: 1, offset: 0 });
        expect(top.comboIndex).toBe(i);
      }
    });

    it("marks an event processed once", async () => {
      expect(await store.wasProcessed("src", "e1")).toBe(false);
      expect(await store.markProcessed("src", "e1")).toBe(true);
      expect(await store.markProcessed("src", "e1")).toBe(false);
      expect(await store.wasProcessed("src", "e1")).toBe(true);
      expect(await store.markProcessed("other", "e1")).toBe(true);
      expect(await store.wasProcessed("src", "e2")).toBe(false);
    });

    it("keeps dead letters, newest first", async () => {
      const letter = (eventId: string) => ({
        eventId,
        eventSource: "/jobs",
        eventType: "com.zixly.backtest.shard.completed.v1",
        subscriber: "record-result",
        reason: "handler kept failing",
        event: { id: eventId, data: { n: [1, 2] } },
      });
      expect(await store.deadLetters(10)).toEqual([]);
      await store.recordDeadLetter(letter("a"));
      await store.recordDeadLetter(letter("b"));
      const got = await store.deadLetters(10);
      expect(got.map(({ createdAt: _, ...rest }) => rest)).toEqual([letter("b"), letter("a")]);
      expect(new Date(got[0].createdAt).toISOString()).toBe(got[0].createdAt);
      expect((await store.deadLetters(1)).map((l) => l.eventId)).toEqual(["b"]);
    });

    it("answers a ping", async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}

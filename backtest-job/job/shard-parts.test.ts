import { describe, expect, it } from "vitest";
import {
  MAX_BEST_TRADES,
  MAX_CURVE_POINTS,
  ROWS_PER_PART,
  ShardCompletedData,
  SUMMARY_STATS as WIRE_STATS,
} from "../../events/index.ts";
import { comboAt } from "../engine/grid.ts";
import { SUMMARY_STATS, SUMMARY_WIDTH } from "../engine/summary.ts";
import { syntheticBars } from "../engine/synthetic.ts";
import type { Trade } from "../engine/trade.ts";
import { runSweep, type SweepOutcome } from "../sweep-pool.ts";
import { encodeBest } from "./best-result.ts";
import { encodeRows } from "./result-rows.ts";
import { MAX_PART_BYTES, shardParts } from "./shard-parts.ts";

const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
const bars = syntheticBars({ bars: 300, seed: 1 });
/** 30 x 20 = 600 combinations, all valid (fast < slow). */
const WIDE = { fast: { from: 2, to: 31, step: 1 }, slow: { from: 32, to: 51, step: 1 } };

const sweep = (grid: unknown, shard = { index: 0, count: 1 }) =>
  runSweep({ bars, strategy: "sma-crossover", grid, shard, top: 1, workers: 1 });

describe("encodeRows", () => {
  it("gives [comboIndex, params in plan order, stats in SUMMARY_STATS order] with non-finite as null", async () => {
    const outcome = await sweep({ fast: [5, 10], slow: [20, 30] }, { index: 1, count: 2 });
    const stats = outcome.table.stats.slice();
    stats[0] = Number.NaN;
    stats[1] = Number.POSITIVE_INFINITY;
    const rows = encodeRows({ indices: outcome.table.indices, stats }, outcome.plan);
    expect(rows.map((r) => r[0])).toEqual([1, 3]);
    expect(rows.map((r) => r[1])).toEqual([
      [5, 30],
      [10, 30],
    ]);
    expect(rows[0][2].slice(0, 2)).toEqual([null, null]);
    expect(rows[1][2]).toEqual(Array.from(stats.subarray(SUMMARY_WIDTH, 2 * SUMMARY_WIDTH)));
  });

  it("uses the statistics order of the wire", () => {
    expect(SUMMARY_STATS).toEqual(WIRE_STATS);
  });
});

describe("encodeBest", () => {
  it("names the best combination by its index and keeps its start and end as strings", async () => {
    const outcome = await sweep(WIDE);
    const best = encodeBest(outcome)!;
    expect(best.params).toEqual(outcome.top[0].params);
    expect(comboAt(outcome.plan, best.comboIndex)).toEqual(best.params);
    expect(typeof best.stats.start).toBe("string");
    expect(best.stats.sharpeRatio).toBe(outcome.results[0].sharpeRatio);
    expect(best.tradesTotal).toBe(outcome.top[0].trades.length);
  });

  it("keeps the last trades in the CLI's shape and thins the curve, keeping both ends", async () => {
    const outcome = await sweep({ fast: 5, slow: 20 });
    const template = outcome.top[0].trades[0];
    const trades: Trade[] = Array.from({ length: 150 }, (_, i) => ({
      ...template,
      entryBar: i,
      returnPct: 0.01,
    }));
    const curve: [number, number][] = Array.from({ length: 500 }, (_, i) => [i * 1000, 100 + i]);
    const best = encodeBest({
      ...outcome,
      top: [{ ...outcome.top[0], trades, equityCurve: curve }],
    })!;
    expect(best.trades).toHaveLength(MAX_BEST_TRADES);
    expect(best.trades[0].entryBar).toBe(50);
    expect(best.trades[0].returnPct).toBe(1);
    expect(best.trades[0].entryTime).toBe(new Date(template.entryTime).toISOString());
    expect(best.tradesTotal).toBe(150);
    expect(best.equityCurve).toHaveLength(MAX_CURVE_POINTS);
    expect(best.equityCurve[0]).toEqual([0, 100]);
    expect(best.equityCurve.at(-1)).toEqual([499_000, 599]);
  });

  it("adds buy and hold from the first close at the equity curve's times, given the prices", async () => {
    const outcome = await sweep(WIDE);
    const best = encodeBest(outcome, bars)!;
    const cash = best.equityCurve[0][1];
    expect(best.buyHoldCurve!.map((p) => p[0])).toEqual(best.equityCurve.map((p) => p[0]));
    for (const [time, value] of best.buyHoldCurve!) {
      const i = bars.time.indexOf(time);
      expect(value).toBeCloseTo((cash * bars.close[i]) / bars.close[0], 9);
    }
    expect(encodeBest(outcome)!.buyHoldCurve).toBeUndefined();
    const parts = shardParts(RUN_ID, { index: 0, count: 1 }, outcome, bars);
    expect(ShardCompletedData.safeParse(parts[0]).success).toBe(true);
    expect(parts[0].best?.buyHoldCurve).toHaveLength(best.equityCurve.length);
  });

  it("turns non-finite statistics into null", async () => {
    const outcome = await sweep({ fast: 5, slow: 20 });
    const top = { ...outcome.top[0], stats: { ...outcome.top[0].stats, profitFactor: Number.NaN } };
    expect(encodeBest({ ...outcome, top: [top] })!.stats.profitFactor).toBeNull();
  });
});

describe("shardParts", () => {
  const check = (parts: ReturnType<typeof shardParts>) => {
    for (const part of parts) {
      expect(ShardCompletedData.safeParse(part).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(MAX_PART_BYTES);
    }
  };

  it("splits rows into parts of ROWS_PER_PART; part 0 alone carries metrics and best", async () => {
    const outcome = await sweep(WIDE);
    const parts = shardParts(RUN_ID, { index: 0, count: 1 }, outcome);
    check(parts);
    expect(parts.map((p) => p.rows.length)).toEqual([ROWS_PER_PART, ROWS_PER_PART, 100]);
    expect(parts.map((p) => p.part)).toEqual([0, 1, 2].map((index) => ({ index, count: 3 })));
    expect(parts[0].metrics).toMatchObject({ evaluated: 600 });
    expect(parts[0].best?.comboIndex).toBeTypeOf("number");
    expect(parts.slice(1).every((p) => p.metrics === undefined && p.best === undefined)).toBe(true);
    expect(parts.every((p) => p.paramNames.join() === "fast,slow")).toBe(true);
    const indices = parts.flatMap((p) => p.rows.map((r) => r[0]));
    expect(indices).toEqual(Array.from({ length: 600 }, (_, k) => k));
  });

  it("gives part 0 fewer rows when a full best would push it past the event size limit", async () => {
    const outcome = await sweep(WIDE);
    const trade = outcome.top[0].trades[0];
    const heavy: SweepOutcome = {
      ...outcome,
      top: [
        {
          ...outcome.top[0],
          trades: Array.from({ length: 200 }, () => ({
            ...trade,
            pnl: 1234.5678901234567,
            units: 98.76543210987654,
          })),
          equityCurve: Array.from({ length: 500 }, (_, i) => [1e12 + i, 10_000.123456789 + i]),
        },
      ],
    };
    const parts = shardParts(RUN_ID, { index: 0, count: 1 }, heavy);
    check(parts);
    expect(parts[0].rows.length).toBeLessThan(ROWS_PER_PART);
    expect(parts.reduce((n, p) => n + p.rows.length, 0)).toBe(600);
  });

  it("cuts the parts of a re-run shard where the first run did, whatever its timings (a row was lost after a restart)", async () => {
    const outcome = await sweep(WIDE);
    const trade = outcome.top[0].trades[0];
    // A best heavy enough that part 0 ends on the byte limit, not on the row count; its size
    // varies over the cases (trades kept), so that somewhere the limit falls near a row's end.
    const heavy = (trades: number, elapsedMs: number, perSecond: number): SweepOutcome => ({
      ...outcome,
      elapsedMs,
      barEvaluationsPerSecond: perSecond,
      top: [
        {
          ...outcome.top[0],
          trades: Array.from({ length: trades }, () => ({ ...trade, pnl: 1234.5678901234567 })),
          equityCurve: Array.from({ length: 500 }, (_, i) => [1e12 + i, 10_000.123456789 + i]),
        },
      ],
    });
    const cuts = (o: SweepOutcome) =>
      shardParts(RUN_ID, { index: 0, count: 1 }, o).map((p) => p.rows.map((r) => r[0]));
    for (let trades = 60; trades <= MAX_BEST_TRADES; trades++) {
      const first = cuts(heavy(trades, 7, 1e6));
      const again = cuts(heavy(trades, 1234.5678901234, 123456789.98765431));
      expect(again, `${trades} trades`).toEqual(first);
    }
  });

  it("gives one part without rows or best for a shard with no combination", async () => {
    const outcome = await sweep({ fast: 5, slow: 20 }, { index: 2, count: 3 });
    const parts = shardParts(RUN_ID, { index: 2, count: 3 }, outcome);
    check(parts);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ rows: [], part: { index: 0, count: 1 } });
    expect(parts[0].best).toBeUndefined();
    expect(parts[0].metrics).toMatchObject({ evaluated: 0, barEvaluationsPerSecond: 0 });
  });
});

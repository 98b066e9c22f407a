// com.zixly.backtest.shard.completed.v1: one part of a finished shard's rows.
// A shard's rows are split into parts so that every event stays under 64 KiB.
import { z } from "zod";
import { defineEvent, RunIdSchema, ShardRefSchema, StatValueSchema } from "./common.ts";
import { SUMMARY_STATS } from "./summary-stats.ts";

/** Rows per part: a row is about 150 bytes of JSON, so a part stays near 40 KiB. */
export const ROWS_PER_PART = 250;

/** One combination: [index in the sweep, parameter values in `paramNames` order, summary stats in SUMMARY_STATS order]. */
export const ResultRowSchema = z.tuple([
  z.number().int().min(0),
  z.array(z.number()),
  z.array(StatValueSchema).length(SUMMARY_STATS.length),
]);
export type ResultRow = z.infer<typeof ResultRowSchema>;

/** A trade of the best combination, as the CLI prints it (times ISO, returnPct in percent). */
export const TradeSchema = z
  .object({
    entryBar: z.number().int(),
    exitBar: z.number().int(),
    entryTime: z.string(),
    exitTime: z.string(),
    units: z.number(),
    entryPrice: z.number(),
    exitPrice: z.number(),
    pnl: z.number(),
    returnPct: z.number(),
  })
  .strict();
export type TradeOut = z.infer<typeof TradeSchema>;

/** The shard's best combination, re-run in full. Trades and the curve are capped to stay small. */
export const BestSchema = z
  .object({
    comboIndex: z.number().int().min(0),
    params: z.record(z.string(), z.number()),
    stats: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
    /** The last trades, at most MAX_BEST_TRADES; `tradesTotal` says how many there were. */
    trades: z.array(TradeSchema).max(100),
    tradesTotal: z.number().int().min(0),
    /** [epoch ms, equity] pairs, evenly spaced, at most 200. */
    equityCurve: z.array(z.tuple([z.number(), z.number()])).max(200),
    /**
     * Buy and hold at the times of `equityCurve`: the starting equity put in the asset at the
     * first bar's close. Optional: shards before it was added, and the api's fixtures, lack it.
     */
    buyHoldCurve: z
      .array(z.tuple([z.number(), z.number()]))
      .max(200)
      .optional(),
  })
  .strict();
export type Best = z.infer<typeof BestSchema>;
export const MAX_BEST_TRADES = 100;
export const MAX_CURVE_POINTS = 200;

export const ShardCompletedData = z
  .object({
    runId: RunIdSchema,
    shard: ShardRefSchema,
    part: z
      .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
      .strict()
      .refine((p) => p.index < p.count, { message: "index must be below count", path: ["index"] }),
    paramNames: z.array(z.string()),
    rows: z.array(ResultRowSchema).max(ROWS_PER_PART),
    /** Sent with part 0 only. */
    metrics: z
      .object({
        evaluated: z.number().int().min(0),
        elapsedMs: z.number().min(0),
        barEvaluationsPerSecond: z.number().min(0),
      })
      .strict()
      .optional(),
    /** Sent with part 0 only; absent when the shard had no combination. */
    best: BestSchema.optional(),
  })
  .strict();
export type ShardCompleted = z.infer<typeof ShardCompletedData>;

export const shardCompleted = defineEvent(
  "com.zixly.backtest.shard.completed.v1",
  ShardCompletedData,
);

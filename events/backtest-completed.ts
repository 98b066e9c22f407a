// com.zixly.backtest.completed.v1: a run succeeded; emitted once per run by record-result.
import { z } from "zod";
import { defineEvent, RunIdSchema, StatValueSchema } from "./common.ts";

export const BacktestCompletedData = z
  .object({
    runId: RunIdSchema,
    status: z.literal("succeeded"),
    strategy: z.string(),
    label: z.string().optional(),
    /** Where to POST the signed callback, copied from the request. */
    callbackUrl: z.string().optional(),
    combinations: z.number().int().min(0),
    best: z
      .object({
        params: z.record(z.string(), z.number()),
        stats: z.record(z.string(), StatValueSchema),
      })
      .strict()
      .nullable(),
    finishedAt: z.iso.datetime(),
  })
  .strict();
export type BacktestCompleted = z.infer<typeof BacktestCompletedData>;

export const backtestCompleted = defineEvent(
  "com.zixly.backtest.completed.v1",
  BacktestCompletedData,
);

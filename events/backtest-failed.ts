// com.zixly.backtest.failed.v1: a run failed (or was cancelled); emitted once per run.
import { z } from "zod";
import { defineEvent, RunIdSchema } from "./common.ts";
import { FailureCode } from "./shard-failed.ts";

export const BacktestFailedData = z
  .object({
    runId: RunIdSchema,
    status: z.enum(["failed", "cancelled"]),
    code: FailureCode,
    reason: z.string().min(1).max(2000),
    label: z.string().optional(),
    callbackUrl: z.string().optional(),
    finishedAt: z.iso.datetime(),
  })
  .strict();
export type BacktestFailed = z.infer<typeof BacktestFailedData>;

export const backtestFailed = defineEvent("com.zixly.backtest.failed.v1", BacktestFailedData);

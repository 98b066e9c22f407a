// com.zixly.backtest.shard.failed.v1: a shard could not finish; the reason says why.
import { z } from "zod";
import { defineEvent, RunIdSchema, ShardRefSchema } from "./common.ts";

/** Why a shard failed: bad input is never retried, the others may be. */
export const FailureCode = z.enum(["bad_input", "transient", "deadline", "crashed", "cancelled"]);
export type FailureCode = z.infer<typeof FailureCode>;

export const ShardFailedData = z
  .object({
    runId: RunIdSchema,
    shard: ShardRefSchema,
    code: FailureCode,
    reason: z.string().min(1).max(2000),
    exitCode: z.number().int().nullable().optional(),
  })
  .strict();
export type ShardFailed = z.infer<typeof ShardFailedData>;

export const shardFailed = defineEvent("com.zixly.backtest.shard.failed.v1", ShardFailedData);

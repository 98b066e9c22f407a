// com.zixly.backtest.shard.progress.v1: a running shard's count of finished combinations.
import { z } from "zod";
import { defineEvent, RunIdSchema, ShardRefSchema } from "./common.ts";

export const ShardProgressData = z
  .object({
    runId: RunIdSchema,
    shard: ShardRefSchema,
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  })
  .strict();
export type ShardProgress = z.infer<typeof ShardProgressData>;

export const shardProgress = defineEvent("com.zixly.backtest.shard.progress.v1", ShardProgressData);

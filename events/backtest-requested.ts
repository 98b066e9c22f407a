// com.zixly.backtest.requested.v1: an authenticated, validated request, on its way to dispatch.
import { z } from "zod";
import { BacktestRequestSchema } from "./backtest-request.ts";
import { defineEvent, RunIdSchema } from "./common.ts";

export const BacktestRequestedData = z
  .object({
    runId: RunIdSchema,
    /** The webhook source that sent it, e.g. "backtest", "github", "tradingview". */
    source: z.string().min(1).max(64),
    /** Valid combinations of the grid, counted at the door. */
    combinations: z.number().int().min(1),
    request: BacktestRequestSchema,
    receivedAt: z.iso.datetime(),
  })
  .strict();
export type BacktestRequested = z.infer<typeof BacktestRequestedData>;

export const backtestRequested = defineEvent(
  "com.zixly.backtest.requested.v1",
  BacktestRequestedData,
);

// Backtest options shared by the single backtest, the sweep kernel and every caller.
import { z } from "zod";

/**
 * Options of one simulation, with backtesting.py's defaults.
 * `commission` is relative (0.002 = 0.2 % of the traded value), charged at entry and at exit.
 */
export const BacktestOptionsSchema = z
  .object({
    cash: z.number().finite().positive().max(1e15).default(10_000),
    commission: z.number().finite().min(0).max(0.5).default(0),
    mode: z.enum(["long-short", "long-only"]).default("long-short"),
    finalizeTrades: z.boolean().default(false),
    tradeOnClose: z.boolean().default(false),
  })
  .strict();

/** Options as callers give them: every field optional. */
export type BacktestOptionsInput = z.input<typeof BacktestOptionsSchema>;
/** Options after defaults are applied. */
export type BacktestOptions = z.output<typeof BacktestOptionsSchema>;
/** Trading mode: `long-short` stops and reverses, `long-only` turns short entries into exits. */
export type TradingMode = BacktestOptions["mode"];

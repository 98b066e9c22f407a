// BacktestRequest: what a webhook asks for, validated at the door and carried in events.
import { z } from "zod";
import { GridSchema } from "./grid.ts";
import { storable } from "./storable-text.ts";
import { StrategyRefSchema } from "./strategy-ref.ts";
import { SUMMARY_STATS } from "./summary-stats.ts";

/**
 * Inline CSV is capped so that the `requested` event, which carries the request, stays well
 * under the 64 KiB that CloudEvents intermediaries must forward. Larger data goes by url or path.
 */
export const MAX_INLINE_CSV_BYTES = 48 * 1024;

/** A data-set name under DATA_DIR: relative, no `..`, no backslashes, no hidden files. */
const SAFE_PATH = /^(?!.*(^|\/)\.)[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*$/;

/** Where the bars come from. Exactly one of the four forms. */
export const DataSourceSchema = z.union([
  z
    .object({
      csv: storable(
        z
          .string()
          .min(1)
          .refine((s) => Buffer.byteLength(s) <= MAX_INLINE_CSV_BYTES, {
            message: `inline CSV is larger than ${MAX_INLINE_CSV_BYTES} bytes; send it by url or path`,
          }),
      ),
    })
    .strict(),
  z
    .object({
      path: storable(
        z
          .string()
          .min(1)
          .max(255)
          .regex(SAFE_PATH, "must be a relative name inside DATA_DIR, without .. or hidden parts"),
      ),
    })
    .strict(),
  // The URL parser percent-encodes NUL and lone surrogates, but the string kept is the one sent.
  z.object({ url: storable(z.url({ protocol: /^https?$/ }).max(2048)) }).strict(),
  z
    .object({
      synthetic: z
        .object({ bars: z.number().int().min(2).max(1_000_000), seed: z.number().int() })
        .strict(),
    })
    .strict(),
]);
export type DataSource = z.infer<typeof DataSourceSchema>;

/** A backtest or sweep request. `params` is a grid; a single backtest is a grid of numbers. */
export const BacktestRequestSchema = z
  .object({
    /** A built-in's name, or a strategy definition (docs/strategy-definitions.md). */
    strategy: StrategyRefSchema,
    params: GridSchema,
    data: DataSourceSchema,
    cash: z.number().finite().positive().max(1e15).optional(),
    commission: z.number().finite().min(0).max(0.5).optional(),
    mode: z.enum(["long-short", "long-only"]).optional(),
    finalizeTrades: z.boolean().optional(),
    tradeOnClose: z.boolean().optional(),
    /** Statistic that ranks combinations; the best one is kept in full. */
    sort: z.enum(SUMMARY_STATS).default("sharpeRatio"),
    /** Resources per Job pod (CPU and memory requests and limits); see knative/README. */
    size: z.enum(["small", "medium", "large"]).optional(),
    /** Shards to split the sweep into; by default one per 2,000 combinations, at most 16. */
    shards: z.number().int().min(1).max(256).optional(),
    callbackUrl: storable(z.url({ protocol: /^https?$/ }).max(2048)).optional(),
    label: storable(z.string().max(200)).optional(),
  })
  .strict();
export type BacktestRequest = z.infer<typeof BacktestRequestSchema>;
export type BacktestRequestInput = z.input<typeof BacktestRequestSchema>;

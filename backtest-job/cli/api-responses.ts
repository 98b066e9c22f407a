// The API's answers as the CLI reads them: the fields it uses, checked, others passed through.
import { z } from "zod";

/**
 * A statistic as the API sends it: JSON has no NaN or infinity, so those arrive as null,
 * and the best combination's stats also carry a few strings (its start and end times).
 */
const StatValue = z.union([z.number(), z.string(), z.null()]);

/**
 * GET /runs/:id (functions/api/run-view.ts). Loose objects: a newer API may add fields, and
 * `--json` prints what came, not just what the CLI knows. Status stays a string so that a
 * status added later reads as "finished" instead of breaking the CLI.
 */
export const RunViewSchema = z.looseObject({
  runId: z.string(),
  status: z.string(),
  strategy: z.string(),
  /**
   * Newer APIs give the strategy as a definition (docs/strategy-definitions.md): a JSON
   * object, or null when there is none. Passed through as it came, for `--json` and display.
   */
  definition: z.record(z.string(), z.unknown()).nullable().optional(),
  label: z.string().nullable(),
  /** Newer APIs say where the bars came from and what ranks the combinations. */
  dataSource: z.looseObject({ kind: z.string(), detail: z.string() }).optional(),
  sort: z.string().optional(),
  combinations: z.number(),
  shards: z.number(),
  progress: z.object({ done: z.number(), total: z.number() }),
  best: z
    .looseObject({
      comboIndex: z.number(),
      params: z.record(z.string(), z.number()),
      stats: z.record(z.string(), StatValue),
    })
    .nullable(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunView = z.infer<typeof RunViewSchema>;

/** GET /runs: one page of runs, newest first. */
export const RunsPageSchema = z.looseObject({
  runs: z.array(RunViewSchema),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
export type RunsPage = z.infer<typeof RunsPageSchema>;

/** One stored combination of GET /runs/:id/results. */
export const ResultRowSchema = z.looseObject({
  comboIndex: z.number(),
  params: z.record(z.string(), z.number()),
  stats: z.record(z.string(), StatValue),
});
export type ResultRow = z.infer<typeof ResultRowSchema>;

/** GET /runs/:id/results: one page of combinations in the asked order. */
export const ResultsPageSchema = z.looseObject({
  runId: z.string(),
  status: z.string(),
  total: z.number(),
  sort: z.string(),
  order: z.string(),
  limit: z.number(),
  offset: z.number(),
  results: z.array(ResultRowSchema),
});
export type ResultsPage = z.infer<typeof ResultsPageSchema>;

/** Statuses a run leaves; any other status is final. */
export const ACTIVE_STATUSES: readonly string[] = ["queued", "running"];

// `zixly results ID`: one page of a run's stored combinations, ordered by a summary statistic.
import { isSummaryStat, SUMMARY_STATS } from "../engine/summary.ts";
import { apiGet } from "./api-client.ts";
import { ACTIVE_STATUSES, ResultsPageSchema } from "./api-responses.ts";
import { API_FLAGS, apiTarget } from "./api-target.ts";
import { parseWords } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { nonNegativeIntegerFlag, positiveIntegerFlag } from "./flag-values.ts";
import { jsonText } from "./json-output.ts";
import { resultsTable } from "./results-table.ts";
import { runIdArgument } from "./run-id-argument.ts";
import { usage } from "./usage.ts";

const FLAGS = {
  ...API_FLAGS,
  sort: { type: "string" },
  order: { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
} as const;

const ORDERS = ["asc", "desc"];

/**
 * Prints GET /runs/:id/results as a table of params and summary statistics, or the API's
 * JSON. `--sort` and `--order` are checked here, before any request, against the engine's
 * summary statistics, which are the ones the API sorts by.
 * @example resultsCommand(["run_...", "--sort", "returnPct", "--limit", "20"], io)
 */
export async function resultsCommand(args: string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parseWords("results", args, FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const id = runIdArgument("results", positionals);
  const query = new URLSearchParams();
  if (flags.sort !== undefined) {
    if (!isSummaryStat(flags.sort)) {
      throw new BadInput(
        `--sort: unknown statistic "${flags.sort}"; allowed: ${SUMMARY_STATS.join(", ")}`,
      );
    }
    query.set("sort", flags.sort);
  }
  if (flags.order !== undefined) {
    if (!ORDERS.includes(flags.order)) {
      throw new BadInput(`--order: "${flags.order}" is not an order; use asc or desc`);
    }
    query.set("order", flags.order);
  }
  if (flags.limit !== undefined) {
    query.set("limit", String(positiveIntegerFlag("--limit", flags.limit)));
  }
  if (flags.offset !== undefined) {
    query.set("offset", String(nonNegativeIntegerFlag("--offset", flags.offset)));
  }
  const target = apiTarget(flags);
  const search = query.toString();
  const page = await apiGet(
    target,
    `/runs/${encodeURIComponent(id)}/results${search ? `?${search}` : ""}`,
    ResultsPageSchema,
    { runId: id },
  );
  if (flags.json) {
    io.stdout(jsonText(page));
    return EXIT.ok;
  }
  io.stdout(resultsTable(page.results, page.sort));
  const shownTo = page.offset + page.results.length;
  if (page.results.length === 0 && ACTIVE_STATUSES.includes(page.status)) {
    io.stderr(`run ${page.runId} is ${page.status}: no results yet\n`);
  } else if (shownTo < page.total) {
    io.stderr(
      `results ${page.offset + 1}-${shownTo} of ${page.total} by ${page.sort} ${page.order}; --offset ${shownTo} for more\n`,
    );
  }
  return EXIT.ok;
}

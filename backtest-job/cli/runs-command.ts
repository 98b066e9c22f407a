// `zixly runs`: one page of the API's runs, newest first, as a table or the API's JSON.
import { apiGet } from "./api-client.ts";
import { RunsPageSchema, type RunView } from "./api-responses.ts";
import { API_FLAGS, apiTarget } from "./api-target.ts";
import { parseFlags } from "./args.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { nonNegativeIntegerFlag, positiveIntegerFlag } from "./flag-values.ts";
import { formatDuration, formatInstant, progressPercent } from "./format-run.ts";
import { formatTable } from "./format-table.ts";
import { jsonText } from "./json-output.ts";
import { usage } from "./usage.ts";

const FLAGS = {
  ...API_FLAGS,
  status: { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
} as const;

/**
 * Lists runs (GET /runs). `--status` is checked by the API, whose refusal names the flag.
 * Exit 0, or 2 when the API cannot be reached or refuses.
 * @example runsCommand(["--status", "running", "--limit", "5"], io)
 */
export async function runsCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("runs", args, FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const target = apiTarget(flags);
  const query = new URLSearchParams();
  if (flags.status !== undefined) query.set("status", flags.status);
  if (flags.limit !== undefined) {
    query.set("limit", String(positiveIntegerFlag("--limit", flags.limit)));
  }
  if (flags.offset !== undefined) {
    query.set("offset", String(nonNegativeIntegerFlag("--offset", flags.offset)));
  }
  const search = query.toString();
  const page = await apiGet(target, `/runs${search ? `?${search}` : ""}`, RunsPageSchema);
  if (flags.json) {
    io.stdout(jsonText(page));
    return EXIT.ok;
  }
  io.stdout(runsTable(page.runs, Date.now()));
  const shownTo = page.offset + page.runs.length;
  if (shownTo < page.total) {
    io.stderr(
      `runs ${page.offset + 1}-${shownTo} of ${page.total}; --offset ${shownTo} for more\n`,
    );
  }
  return EXIT.ok;
}

/** The table of runs; `now` gives running runs their duration so far. */
export function runsTable(runs: readonly RunView[], now: number): string {
  return formatTable(
    [
      { title: "runId" },
      { title: "status" },
      { title: "strategy" },
      { title: "combinations", align: "right" },
      { title: "progress", align: "right" },
      { title: "created" },
      { title: "duration", align: "right" },
    ],
    runs.map((r) => [
      r.runId,
      r.status,
      r.strategy,
      String(r.combinations),
      progressPercent(r.progress),
      formatInstant(r.createdAt),
      formatDuration(r.startedAt, r.finishedAt, now),
    ]),
  );
}

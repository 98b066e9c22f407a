// A run as `name  value` lines: what `zixly run` and `zixly watch` print for humans.
import type { RunView } from "./api-responses.ts";
import { definitionDetails } from "./definition-details.ts";
import {
  formatDuration,
  formatInstant,
  formatParams,
  formatStat,
  progressText,
} from "./format-run.ts";
import { formatKeyValues } from "./format-table.ts";
import { MAIN_STATS } from "./results-table.ts";

/**
 * Status, progress, times and error, then the best combination's params and its
 * {@link MAIN_STATS}; `now` gives a running run its duration so far. After a blank line, the
 * run's strategy definition when the API sends one.
 */
export function runDetails(run: RunView, now: number): string {
  const pairs: [string, string][] = [
    ["runId", run.runId],
    ["status", run.status],
    ["strategy", run.strategy],
  ];
  if (run.label !== null) pairs.push(["label", run.label]);
  if (run.dataSource) {
    const { kind, detail } = run.dataSource;
    pairs.push(["data", detail ? `${kind}: ${detail}` : kind]);
  }
  if (run.sort !== undefined) pairs.push(["sort", run.sort]);
  pairs.push(
    ["combinations", `${run.combinations} in ${run.shards} shard${run.shards === 1 ? "" : "s"}`],
    ["progress", progressText(run.progress)],
    ["created", formatInstant(run.createdAt)],
    ["started", formatInstant(run.startedAt)],
    ["finished", formatInstant(run.finishedAt)],
    ["duration", formatDuration(run.startedAt, run.finishedAt, now)],
  );
  if (run.error !== null || run.errorCode !== null) {
    const code = run.errorCode === null ? "" : `[${run.errorCode}] `;
    pairs.push(["error", `${code}${run.error ?? ""}`.trim()]);
  }
  if (run.best !== null) {
    pairs.push(["best", `#${run.best.comboIndex} ${formatParams(run.best.params)}`]);
    for (const stat of MAIN_STATS) pairs.push([`  ${stat}`, formatStat(run.best.stats[stat])]);
  }
  const definition = definitionDetails(run.definition, run.best?.params);
  return definition ? `${formatKeyValues(pairs)}\n${definition}` : formatKeyValues(pairs);
}

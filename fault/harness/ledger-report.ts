// Prints a ledger's figures as a table and writes them as JSON under fault/results/ (git-ignored).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LedgerFigures, RunLedger } from "./run-ledger.ts";
import { REPO_ROOT } from "./stack-process.ts";

/** Where the JSON figures go, one file per scenario and mode. */
export const RESULTS_DIR = join(REPO_ROOT, "fault", "results");

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}`)
    .join("\n");
}

function text(value: unknown): string {
  if (value === null || value === undefined) return "-";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The figures as lines of text: totals, then one line per webhook. */
export function formatFigures(f: LedgerFigures): string {
  const refused = Object.entries(f.webhooks.refused)
    .map(([status, n]) => `${n}×${status}`)
    .join(", ");
  const totals = table([
    [
      "webhooks",
      `sent ${f.webhooks.sent}`,
      `accepted ${f.webhooks.accepted}`,
      `refused ${refused || "0"}`,
      `no answer ${f.webhooks.noAnswer}`,
    ],
    [
      "runs",
      `succeeded ${f.runs.succeeded}`,
      `failed ${f.runs.failed}`,
      `cancelled ${f.runs.cancelled}`,
      `rejected ${f.runs.rejected}`,
      `open ${f.runs.open}`,
      `missing ${f.runs.missing}`,
    ],
    [
      "rows",
      `expected ${f.rows.expected}`,
      `recorded ${f.rows.recorded}`,
      `stored ${text(f.rows.stored)}`,
      `distinct ${text(f.rows.distinct)}`,
      `duplicated ${text(f.rows.duplicated)}`,
    ],
  ]);
  const perRun = table([
    [
      "#",
      "phase",
      "http",
      "run",
      "api status",
      "combos",
      "recorded",
      "db status",
      "db rows",
      "distinct",
      "error",
    ],
    ...f.entries.map((e) => [
      String(e.n),
      e.phase,
      String(e.http),
      e.runId ?? "-",
      e.api?.status ?? (e.http === 202 ? "?" : text(e.refusal)),
      text(e.api?.combinations ?? (e.http === 202 ? e.expectedRows : null)),
      text(e.api?.rowsRecorded),
      text(e.db?.status),
      text(e.db?.rows),
      text(e.db?.distinctRows),
      (e.api?.error ?? "").slice(0, 80),
    ]),
  ]);
  const failed = f.runs.failedReasons.map(
    (r) => `  failed ${r.runId}: [${r.errorCode}] ${r.error}`,
  );
  const notes = Object.entries(f.notes).map(([k, v]) => `  ${k}: ${text(v)}`);
  return [
    `fault ledger: ${f.scenario} (${f.mode}), ${(f.durationMs / 1000).toFixed(1)} s`,
    totals,
    ...failed,
    ...(notes.length ? ["notes:", ...notes] : []),
    perRun,
  ].join("\n");
}

/** Prints the ledger and writes `<scenario>.<mode>.json`; returns the figures. */
export function reportLedger(ledger: RunLedger): LedgerFigures {
  const figures = ledger.figures();
  console.log(formatFigures(figures));
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, `${figures.scenario}.${figures.mode}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  return figures;
}

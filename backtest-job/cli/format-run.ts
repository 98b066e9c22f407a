// Cells for the API commands' human-readable output: progress, times, durations, statistics.
import { formatNumber } from "./format-table.ts";

/** `50.0%` of a run's progress; `-` for a run with nothing to do (a rejected request). */
export function progressPercent(progress: { done: number; total: number }): string {
  if (progress.total <= 0) return "-";
  return `${((100 * Math.min(progress.done, progress.total)) / progress.total).toFixed(1)}%`;
}

/** `3/6 50.0%`. */
export function progressText(progress: { done: number; total: number }): string {
  return `${progress.done}/${progress.total} ${progressPercent(progress)}`;
}

/** An ISO-8601 time as `YYYY-MM-DD HH:MM:SS` UTC, or `-` when absent. */
export function formatInstant(iso: string | null): string {
  if (iso === null) return "-";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * How long a run took, from start to finish, or to `now` while it runs: `850ms`, `12.3s`,
 * `4m05s`, `2h03m`. `-` when it has not started.
 */
export function formatDuration(startedAt: string | null, finishedAt: string | null, now: number) {
  if (startedAt === null) return "-";
  const ms = (finishedAt === null ? now : Date.parse(finishedAt)) - Date.parse(startedAt);
  if (!Number.isFinite(ms)) return "-";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  const whole = Math.floor(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor(whole / 60) % 60)}m`;
}

/** A statistic from the API: a number formatted for reading, null (NaN in JSON) as `-`. */
export function formatStat(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return typeof value === "number" ? formatNumber(value) : value;
}

/** `fast=5 slow=20`. */
export function formatParams(params: Readonly<Record<string, number>>): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${formatNumber(value)}`)
    .join(" ");
}

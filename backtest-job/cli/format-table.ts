// Plain-text layout for the human-readable output: number and time cells, aligned columns.

/** A column of {@link formatTable}: numbers read best right-aligned, words left-aligned. */
export interface Column {
  readonly title: string;
  readonly align?: "left" | "right";
}

/**
 * A number for reading: integers as they are, others to 2 decimals from 100 up and to 4
 * below, where ratios and small percentages need the precision. NaN reads as "-".
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "-";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x)) return String(x);
  return x.toFixed(Math.abs(x) >= 100 ? 2 : 4);
}

/** Epoch ms as `YYYY-MM-DD`, with ` HH:MM:SS` only for bars that are not at midnight UTC. */
export function formatTime(ms: number): string {
  const text = new Date(ms).toISOString();
  const clock = text.slice(11, 19);
  return clock === "00:00:00" ? text.slice(0, 10) : `${text.slice(0, 10)} ${clock}`;
}

/** `name  value` lines with the values lined up after the longest name. */
export function formatKeyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([name]) => name.length));
  return pairs.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join("");
}

/**
 * A header, a rule and one line per row, columns two spaces apart.
 * @example formatTable([{ title: "units", align: "right" }], [["12"]])
 */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((c, j) =>
    Math.max(c.title.length, ...rows.map((row) => (row[j] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((c, j) => {
        const cell = cells[j] ?? "";
        return c.align === "right" ? cell.padStart(widths[j]) : cell.padEnd(widths[j]);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(columns.map((c) => c.title)), rule, ...rows.map(line)].map((l) => `${l}\n`).join("");
}

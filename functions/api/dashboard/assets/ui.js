// How the dashboard shows things: number and time formats, and a small element builder.

/** The statistics every result row has, in the api's order (events/summary-stats.ts). */
export const STATS = [
  "equityFinal",
  "returnPct",
  "maxDrawdownPct",
  "sharpeRatio",
  "sortinoRatio",
  "trades",
  "winRatePct",
  "profitFactor",
  "exposureTimePct",
];
export const LABELS = {
  equityFinal: "Final equity",
  equityPeak: "Peak equity",
  returnPct: "Return",
  buyHoldReturnPct: "Buy & hold return",
  cagrPct: "CAGR",
  maxDrawdownPct: "Max drawdown",
  sharpeRatio: "Sharpe",
  sortinoRatio: "Sortino",
  calmarRatio: "Calmar",
  trades: "Trades",
  winRatePct: "Win rate",
  profitFactor: "Profit factor",
  exposureTimePct: "Exposure",
};

// ---- formatting -------------------------------------------------------------------------

const number = (digits) =>
  new Intl.NumberFormat(undefined, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
export const n0 = number(0);
export const n2 = number(2);

/** A statistic for people: percentages with a %, money and ratios with two decimals. */
export function formatStat(name, value) {
  if (typeof value === "string") return value;
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (name === "trades") return n0.format(value);
  if (name.endsWith("Pct")) return `${n2.format(value)}%`;
  if (name.endsWith("Days")) return `${number(1).format(value)} d`;
  return n2.format(value);
}

export function formatDuration(ms) {
  if (!(ms >= 0)) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const formatTime = (iso) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";
/** Today's times without the date, older ones with it. */
export function formatCreated(iso) {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString(undefined, { timeStyle: "short" })
    : formatTime(iso);
}
export const formatDate = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined) : "—");

export function runDuration(run) {
  if (!run.startedAt) return "—";
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return formatDuration(end - Date.parse(run.startedAt));
}

export const percent = ({ done, total }) => (total > 0 ? Math.floor((100 * done) / total) : 0);

// ---- elements ---------------------------------------------------------------------------

/** An element with attributes (`on…` become listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

export const statusBadge = (status) => h("span", { class: `status status-${status}` }, status);

export function progressBar(run) {
  const { done, total } = run.progress;
  return h(
    "div",
    { class: "bar" },
    h("progress", {
      max: Math.max(total, 1),
      value: done,
      "aria-label": `Progress of ${run.label ?? run.runId}`,
    }),
    h("span", { class: "pct" }, `${percent(run.progress)}%`),
  );
}

export function dataCell(run) {
  const { kind, detail } = run.dataSource ?? { kind: "unknown", detail: "" };
  return [h("span", { class: "kind" }, kind), " ", h("span", { class: "muted" }, detail)];
}

export function section(id, title, ...children) {
  return h(
    "section",
    { id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    ...children,
  );
}

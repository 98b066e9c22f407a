// A run's page: its state, error and strategy definition, and once it succeeded its best combination, charts and rows.
import { api, liveRuns } from "./api.js";
import { drawdownChart, equityChart, heatmap } from "./charts.js";
import { definitionSection } from "./definition-section.js";
import {
  dataCell,
  formatDate,
  formatStat,
  formatTime,
  h,
  LABELS,
  n0,
  n2,
  progressBar,
  runDuration,
  STATS,
  section,
  statusBadge,
} from "./ui.js";

const SUMMARY = [
  "returnPct",
  "buyHoldReturnPct",
  "cagrPct",
  "sharpeRatio",
  "sortinoRatio",
  "maxDrawdownPct",
  "trades",
  "winRatePct",
  "profitFactor",
  "equityFinal",
];
const ACTIVE = new Set(["queued", "running"]);
const PAGE = 20;
/** Rows fetched at most for the heatmap: 50 pages of the api's maximum. */
const HEATMAP_ROWS = 50_000;

function runHeader(run) {
  const facts = [
    ["Strategy", run.strategy],
    ["Data", dataCell(run)],
    [
      "Combinations",
      `${n0.format(run.combinations)} in ${run.shards} shard${run.shards === 1 ? "" : "s"}`,
    ],
    ["Ranked by", LABELS[run.sort] ?? run.sort],
    ["Created", formatTime(run.createdAt)],
    ["Duration", runDuration(run)],
  ];
  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← All runs")),
    h("h1", {}, run.label ?? "Run", " ", statusBadge(run.status)),
    h("p", { class: "muted mono" }, run.runId),
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
    ),
  ];
}

function bestSummary(best) {
  const params = Object.entries(best.params)
    .map(([k, v]) => `${k} = ${v}`)
    .join(", ");
  return section(
    "best",
    "Best combination",
    h("p", { class: "params" }, params),
    h(
      "dl",
      { class: "cards" },
      SUMMARY.filter((name) => name in best.stats).map((name) =>
        h(
          "div",
          { "data-stat": name },
          h("dt", {}, LABELS[name] ?? name),
          h("dd", {}, formatStat(name, best.stats[name])),
        ),
      ),
    ),
    h("p", { class: "muted" }, `${formatDate(best.stats.start)} – ${formatDate(best.stats.end)}`),
  );
}

function chartsSection(best, view) {
  const equity = h("div", { id: "equity-chart", class: "chart" });
  const drawdown = h("div", { id: "drawdown-chart", class: "chart" });
  const node = section(
    "charts",
    "Equity and drawdown",
    h("h3", {}, best.buyHoldCurve ? "Equity against buy and hold" : "Equity"),
    equity,
    h("h3", {}, "Drawdown"),
    drawdown,
    h(
      "p",
      { class: "muted" },
      `From ${best.equityCurve.length} samples of the equity curve; the statistics above are exact.`,
    ),
  );
  // Charts measure their container, so they are drawn once it is in the page.
  return {
    node,
    draw: () => {
      view.onLeave(equityChart(equity, best));
      view.onLeave(drawdownChart(drawdown, best.equityCurve));
    },
  };
}

/** The combinations, sorted by the api: a header click asks again with its statistic. */
function resultsSection(run, paramNames, view) {
  const state = { sort: run.sort, order: "desc", offset: 0 };
  const table = h("table", { id: "results-table", class: "results" });
  const pager = h("div", { class: "pager" });
  const load = async () => {
    const q = new URLSearchParams({
      sort: state.sort,
      order: state.order,
      limit: String(PAGE),
      offset: String(state.offset),
    });
    const page = await api(`runs/${run.runId}/results?${q}`);
    const header = h(
      "tr",
      {},
      h("th", { scope: "col", class: "num" }, "#"),
      paramNames.map((name) => h("th", { scope: "col", class: "num" }, name)),
      STATS.map((name) => {
        const sorted = name === state.sort;
        const arrow = sorted ? (state.order === "desc" ? " ▼" : " ▲") : "";
        return h(
          "th",
          {
            scope: "col",
            class: "num",
            "aria-sort": sorted ? (state.order === "desc" ? "descending" : "ascending") : "none",
          },
          h(
            "button",
            {
              type: "button",
              "data-sort": name,
              onclick: () => {
                state.order = sorted && state.order === "desc" ? "asc" : "desc";
                state.sort = name;
                state.offset = 0;
                load().catch(view.fail);
              },
            },
            `${LABELS[name]}${arrow}`,
          ),
        );
      }),
    );
    const rows = page.results.map((r, i) =>
      h(
        "tr",
        {
          "data-combo": r.comboIndex,
          class: r.comboIndex === run.best?.comboIndex ? "best" : null,
        },
        h("td", { class: "num muted" }, state.offset + i + 1),
        paramNames.map((name) =>
          h(
            "td",
            { class: "num", "data-param": name, "data-value": r.params[name] },
            r.params[name],
          ),
        ),
        STATS.map((name) =>
          h(
            "td",
            { class: "num", "data-stat": name, "data-value": r.stats[name] ?? "" },
            formatStat(name, r.stats[name]),
          ),
        ),
      ),
    );
    table.replaceChildren(h("thead", {}, header), h("tbody", {}, rows));
    const last = Math.min(state.offset + PAGE, page.total);
    pager.replaceChildren(
      h(
        "button",
        {
          type: "button",
          disabled: state.offset === 0,
          onclick: () => {
            state.offset = Math.max(0, state.offset - PAGE);
            load().catch(view.fail);
          },
        },
        "Previous",
      ),
      h(
        "span",
        {},
        `${n0.format(state.offset + 1)}–${n0.format(last)} of ${n0.format(page.total)}`,
      ),
      h(
        "button",
        {
          type: "button",
          disabled: last >= page.total,
          onclick: () => {
            state.offset += PAGE;
            load().catch(view.fail);
          },
        },
        "Next",
      ),
    );
  };
  return {
    node: section("results", "Combinations", h("div", { class: "scroll" }, table), pager),
    load,
  };
}

/** Every result row of a run, page by page (at most HEATMAP_ROWS, the best first). */
async function allRows(run) {
  const rows = [];
  let total = Number.POSITIVE_INFINITY;
  while (rows.length < Math.min(total, HEATMAP_ROWS)) {
    const q = new URLSearchParams({ sort: run.sort, limit: "1000", offset: String(rows.length) });
    const page = await api(`runs/${run.runId}/results?${q}`);
    total = page.total;
    rows.push(...page.results);
    if (page.results.length === 0) break;
  }
  return { rows, total };
}

/** A statistic over two parameters (or one), the others fixed at the best combination's. */
function heatmapSection(run, paramNames) {
  const stat = h(
    "select",
    { id: "heatmap-stat" },
    STATS.map((s) => h("option", { value: s }, LABELS[s])),
  );
  const x = h(
    "select",
    { id: "heatmap-x" },
    paramNames.map((p) => h("option", { value: p }, p)),
  );
  const y = h(
    "select",
    { id: "heatmap-y" },
    paramNames.map((p) => h("option", { value: p }, p)),
  );
  stat.value = run.sort;
  x.value = paramNames[0];
  y.value = paramNames[1] ?? paramNames[0];
  const plot = h(
    "div",
    { id: "heatmap", class: "heatmap" },
    h("p", { class: "muted" }, "Loading…"),
  );
  const note = h("p", { class: "muted" });
  let data;
  const draw = () => {
    if (!data) return;
    const yName = paramNames.length > 1 && y.value !== x.value ? y.value : null;
    const fixed = paramNames.filter((p) => p !== x.value && p !== yName);
    note.textContent = [
      fixed.length
        ? `Fixed at the best: ${fixed.map((p) => `${p} = ${run.best.params[p]}`).join(", ")}.`
        : "",
      data.rows.length < data.total
        ? `Only the best ${n0.format(data.rows.length)} of ${n0.format(data.total)} combinations are shown.`
        : "",
    ].join(" ");
    heatmap(plot, {
      rows: data.rows,
      stat: stat.value,
      label: LABELS[stat.value],
      format: (v) => formatStat(stat.value, v),
      xName: x.value,
      yName,
      best: run.best.params,
    });
  };
  for (const select of [stat, x, y]) select.addEventListener("change", draw);
  const controls = h(
    "div",
    { class: "controls" },
    h("label", {}, "Statistic ", stat),
    h("label", {}, "Across ", x),
    paramNames.length > 1 ? h("label", {}, "Down ", y) : null,
  );
  return {
    node: section("heatmap-section", "Parameter heatmap", controls, plot, note),
    load: async () => {
      data = await allRows(run);
      draw();
    },
  };
}

function tradesSection(best) {
  const money = (v) => n2.format(v);
  const signed = (v, text) =>
    h("span", { class: v > 0 ? "gain" : v < 0 ? "loss" : "" }, v > 0 ? `+${text}` : text);
  const rows = best.trades.map((t) =>
    h(
      "tr",
      {},
      h("td", {}, formatDate(t.entryTime)),
      h("td", {}, formatDate(t.exitTime)),
      h("td", { class: "num" }, n2.format(t.units)),
      h("td", { class: "num" }, money(t.entryPrice)),
      h("td", { class: "num" }, money(t.exitPrice)),
      h("td", { class: "num" }, signed(t.pnl, money(t.pnl))),
      h("td", { class: "num" }, signed(t.returnPct, `${n2.format(t.returnPct)}%`)),
    ),
  );
  const shown =
    best.tradesTotal > best.trades.length
      ? `The last ${best.trades.length} of ${n0.format(best.tradesTotal)} trades.`
      : `${n0.format(best.tradesTotal)} trade${best.tradesTotal === 1 ? "" : "s"}.`;
  return section(
    "trades",
    "Trades of the best combination",
    h("p", { class: "muted" }, shown),
    best.trades.length
      ? h(
          "div",
          { class: "scroll tall" },
          h(
            "table",
            { id: "trades-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Entry", "Exit", "Units", "Entry price", "Exit price", "P&L", "Return"].map(
                  (l, i) => h("th", { scope: "col", class: i > 1 ? "num" : null }, l),
                ),
              ),
            ),
            h("tbody", {}, rows),
          ),
        )
      : null,
  );
}

/**
 * Draws run `runId` into `main`. `view` belongs to the router: `current()` is false once the
 * user moved on, `onLeave` takes what to stop then, `reload` draws the page again, `fail`
 * shows an error.
 */
export async function runPage(main, runId, view) {
  const run = await api(`runs/${runId}`);
  if (!view.current()) return;
  const parts = [...runHeader(run)];
  if (ACTIVE.has(run.status)) {
    const bar = h("div", { class: "progress-cell big" }, progressBar(run));
    parts.push(section("progress", "Progress", bar));
    view.onLeave(
      liveRuns((event) => {
        if (event.runId !== runId) return;
        if (!ACTIVE.has(event.status)) view.reload();
        else bar.replaceChildren(progressBar({ ...run, progress: event.progress }));
      }),
    );
  }
  if (run.error) {
    parts.push(
      h(
        "div",
        { class: "error-box", role: "alert" },
        h("strong", {}, `${run.status}${run.errorCode ? ` (${run.errorCode})` : ""}`),
        h("pre", {}, run.error),
      ),
    );
  }
  // Runs stored before definitions were kept have none.
  const definition = run.definition ? definitionSection(run) : null;
  const best = run.best;
  if (!best) {
    if (run.status === "succeeded") parts.push(h("p", {}, "The run evaluated no combination."));
    if (definition) parts.push(definition);
    main.replaceChildren(...parts);
    return;
  }
  const paramNames = Object.keys(best.params);
  const charts = chartsSection(best, view);
  const results = resultsSection(run, paramNames, view);
  const map = heatmapSection(run, paramNames);
  parts.push(bestSummary(best));
  if (definition) parts.push(definition);
  parts.push(charts.node, results.node, map.node, tradesSection(best));
  main.replaceChildren(...parts);
  charts.draw();
  await Promise.all([results.load(), map.load()]);
}

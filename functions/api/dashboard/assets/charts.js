// The dashboard's charts: equity and drawdown with uPlot, the parameter heatmap as plain SVG.
import uPlot from "./uplot.js";

const BLUE = "#0969da";
const GREY = "#57606a";
const RED = "#cf222e";
/** Viridis: ordered in lightness and readable with the common colour-vision deficiencies. */
const VIRIDIS = [
  "#440154",
  "#482878",
  "#3e4989",
  "#31688e",
  "#26828e",
  "#1f9e89",
  "#35b779",
  "#6ece58",
  "#b5de2b",
  "#fde725",
];

const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

/** Draws a uPlot chart that follows its container's width; returns what destroys it. */
function plot(el, options, data) {
  const chart = new uPlot({ width: el.clientWidth || 640, ...options }, data, el);
  const observer = new ResizeObserver(() => {
    if (el.clientWidth && el.clientWidth !== chart.width)
      chart.setSize({ width: el.clientWidth, height: options.height });
  });
  observer.observe(el);
  el.dataset.points = String(data[0].length);
  el.dataset.series = String(data.length - 1);
  return () => {
    observer.disconnect();
    chart.destroy();
  };
}

const seconds = (curve) => curve.map((p) => p[0] / 1000);

/** The best combination's equity, with buy and hold on the same axis when the run has it. */
export function equityChart(el, best) {
  const value = (_u, v) => (v === null || v === undefined ? "—" : money.format(v));
  const series = [{}, { label: "Strategy", stroke: BLUE, width: 2, value }];
  const data = [seconds(best.equityCurve), best.equityCurve.map((p) => p[1])];
  if (best.buyHoldCurve?.length === best.equityCurve.length) {
    series.push({ label: "Buy & hold", stroke: GREY, width: 1.5, dash: [6, 4], value });
    data.push(best.buyHoldCurve.map((p) => p[1]));
  }
  return plot(
    el,
    {
      height: 280,
      series,
      scales: { x: { time: true } },
      axes: [{}, { size: 64, values: (_u, splits) => splits.map((v) => compact.format(v)) }],
    },
    data,
  );
}

/** Drawdown in percent, 1 − equity / running maximum, drawn below zero. */
export function drawdownChart(el, equityCurve) {
  let peak = Number.NEGATIVE_INFINITY;
  const drawdown = equityCurve.map(([, equity]) => {
    peak = Math.max(peak, equity);
    return peak > 0 ? -100 * (1 - equity / peak) : 0;
  });
  return plot(
    el,
    {
      height: 160,
      series: [
        {},
        {
          label: "Drawdown",
          stroke: RED,
          width: 1.5,
          fill: "rgba(207, 34, 46, 0.18)",
          value: (_u, v) => (v === null || v === undefined ? "—" : `${v.toFixed(2)}%`),
        },
      ],
      scales: { x: { time: true }, y: { range: (_u, min) => [Math.min(min * 1.05, -1), 0] } },
      axes: [{}, { size: 64, values: (_u, splits) => splits.map((v) => `${v.toFixed(0)}%`) }],
    },
    [seconds(equityCurve), drawdown],
  );
}

// ---- heatmap ----------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  el.append(...children);
  return el;
}

const hex = (c) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));

/** Viridis at `t` in [0, 1], interpolated between its stops. */
function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const [a, b] = [hex(VIRIDIS[i]), hex(VIRIDIS[i + 1])];
  const f = x - i;
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",")})`;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const distinct = (rows, name) =>
  [...new Set(rows.map((r) => r.params[name]))].sort((a, b) => a - b);

/**
 * Draws `stat` over `xName` across and `yName` down (one row when `yName` is null), from the
 * rows whose other parameters equal `best`'s. The grid holds every value each parameter took
 * in the sweep, so combinations that were never valid show as empty cells.
 */
export function heatmap(el, { rows, stat, label, format, xName, yName, best }) {
  const others = Object.keys(best).filter((p) => p !== xName && p !== yName);
  const key = (x, y) => `${x}|${y ?? ""}`;
  const values = new Map();
  for (const r of rows) {
    if (others.every((p) => r.params[p] === best[p]))
      values.set(key(r.params[xName], yName ? r.params[yName] : null), r.stats[stat]);
  }
  const xs = distinct(rows, xName);
  const ys = yName ? distinct(rows, yName).reverse() : [null];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values.values()) {
    if (typeof v === "number" && Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min > max) [min, max] = [0, 0];

  const [left, top, right] = [64, 8, 16];
  const cw = clamp(Math.floor(((el.clientWidth || 800) - left - right) / xs.length), 6, 48);
  const ch = yName ? clamp(Math.round(cw * 0.75), 6, 28) : 36;
  const gridW = cw * xs.length;
  const gridH = ch * ys.length;
  const height = top + gridH + 80;
  // Wide enough for the legend even when the grid is narrow.
  const width = Math.max(left + gridW + right, left + 400);
  const root = svg("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `${label} by ${xName}${yName ? ` and ${yName}` : ""}, from ${format(min)} to ${format(max)}`,
    "data-rows": ys.length,
    "data-cols": xs.length,
  });
  const cells = svg("g");
  ys.forEach((y, i) => {
    xs.forEach((x, j) => {
      const v = values.get(key(x, y));
      const has = typeof v === "number" && Number.isFinite(v);
      const where = `${xName} ${x}${yName ? `, ${yName} ${y}` : ""}`;
      cells.append(
        svg(
          "rect",
          {
            class: has ? "cell" : "cell empty",
            x: left + j * cw,
            y: top + i * ch,
            width: cw,
            height: ch,
            fill: has ? viridis(max > min ? (v - min) / (max - min) : 0.5) : "#eaeef2",
            "data-x": x,
            "data-y": y ?? "",
            "data-value": has ? v : "",
          },
          svg("title", {}, `${where}: ${has ? format(v) : "no result"}`),
        ),
      );
    });
  });
  root.append(cells);

  const bx = xs.indexOf(best[xName]);
  const by = yName ? ys.indexOf(best[yName]) : 0;
  if (bx >= 0 && by >= 0) {
    const at = { x: left + bx * cw, y: top + by * ch, width: cw, height: ch, fill: "none" };
    root.append(
      svg("rect", { ...at, stroke: "#fff", "stroke-width": 3, class: "best-cell" }),
      svg("rect", { ...at, stroke: "#000", "stroke-width": 1.5 }),
    );
  }

  const text = (x, y, content, attrs = {}) => svg("text", { x, y, ...attrs }, String(content));
  const kx = Math.ceil(28 / cw);
  xs.forEach((x, j) => {
    if (j % kx === 0) {
      root.append(text(left + (j + 0.5) * cw, top + gridH + 14, x, { "text-anchor": "middle" }));
    }
  });
  root.append(
    text(left + gridW / 2, top + gridH + 32, xName, {
      "text-anchor": "middle",
      class: "axis-name",
    }),
  );
  const ky = Math.ceil(14 / ch);
  ys.forEach((y, i) => {
    if (y !== null && i % ky === 0) {
      root.append(
        text(left - 6, top + (i + 0.5) * ch, y, {
          "text-anchor": "end",
          "dominant-baseline": "middle",
        }),
      );
    }
  });
  if (yName) {
    root.append(
      text(14, top + gridH / 2, yName, {
        "text-anchor": "middle",
        class: "axis-name",
        transform: `rotate(-90 14 ${top + gridH / 2})`,
      }),
    );
  }

  // The legend: the colour ramp from the lowest to the highest value shown.
  const ly = top + gridH + 48;
  const ramp = svg(
    "linearGradient",
    { id: "heatmap-ramp" },
    ...VIRIDIS.map((c, i) => svg("stop", { offset: i / (VIRIDIS.length - 1), "stop-color": c })),
  );
  root.append(
    svg("defs", {}, ramp),
    text(left, ly + 10, label, { class: "axis-name" }),
    text(left + 170, ly + 10, format(min), { "text-anchor": "end" }),
    svg("rect", { x: left + 176, y: ly, width: 160, height: 12, fill: "url(#heatmap-ramp)" }),
    text(left + 342, ly + 10, format(max)),
  );
  el.replaceChildren(root);
}

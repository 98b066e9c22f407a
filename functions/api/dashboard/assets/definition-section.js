// A run's strategy definition: its rules as text, parameters with the run's values, orders, JSON.
import { describeDefinition } from "./definition-text.js";
import { h, section } from "./ui.js";

const RULE_LABELS = {
  "entry.long": "Long entry",
  "entry.short": "Short entry",
  "exit.long": "Long exit",
  "exit.short": "Short exit",
};

/** `name  text` rows: the rules, or the named series. */
const textList = (className, rows) =>
  h(
    "dl",
    { class: `definition-list ${className}` },
    rows.map(({ key, label, text }) =>
      h(
        "div",
        { "data-key": key },
        h("dt", {}, label),
        h("dd", { class: "definition-text" }, text),
      ),
    ),
  );

function parametersTable(parameters, valueTitle) {
  return h(
    "table",
    { id: "definition-parameters" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Parameter"),
        h("th", { scope: "col", class: "num" }, valueTitle),
        h("th", { scope: "col" }, "Allowed"),
      ),
    ),
    h(
      "tbody",
      {},
      parameters.map((p) =>
        h(
          "tr",
          { "data-param": p.name },
          h("td", { class: "mono-cell" }, p.name),
          h("td", { class: "num" }, p.value === null ? "—" : String(p.value)),
          h("td", {}, p.bounds),
        ),
      ),
    ),
  );
}

/**
 * The JSON as it was submitted, folded, with a button that copies it. The clipboard needs a
 * secure context (https or localhost); elsewhere the button selects the text instead.
 */
function rawJson(definition) {
  const json = JSON.stringify(definition, null, 2);
  const pre = h("pre", { id: "definition-json", class: "json" }, json);
  const status = h("span", { class: "muted", role: "status" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(json);
      status.textContent = "Copied.";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(pre);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      status.textContent = "Selected: copy it with Ctrl+C or ⌘C.";
    }
  };
  return h(
    "details",
    { id: "definition-raw" },
    h("summary", {}, "Definition as JSON"),
    h(
      "div",
      { class: "copy-row" },
      h("button", { type: "button", id: "copy-definition", onclick: copy }, "Copy"),
      status,
    ),
    pre,
  );
}

/**
 * The definition of `run`, as text: every part of it goes into text nodes, never HTML, since
 * its name and description are whatever the request held. Parameter values are the best
 * combination's (the only one's for a single backtest).
 */
export function definitionSection(run) {
  const d = describeDefinition(run.definition, run.best?.params ?? {});
  const single = run.combinations === 1;
  const rules = d.rules.map((r) => ({
    key: `${r.rule}.${r.side}`,
    label: RULE_LABELS[`${r.rule}.${r.side}`],
    text: r.text,
  }));
  const series = d.series.map((s) => ({ key: s.name, label: s.name, text: s.text }));
  const orders = [
    ["Size", d.size],
    ["Stop-loss", d.stopLoss ?? "none"],
    ["Take-profit", d.takeProfit ?? "none"],
  ];
  return section(
    "definition",
    "Strategy definition",
    d.name ? h("h3", { id: "definition-name" }, d.name) : null,
    d.description ? h("p", { id: "definition-description" }, d.description) : null,
    textList("rules", rules),
    series.length ? [h("h3", {}, "Series"), textList("series", series)] : null,
    d.parameters.length
      ? [
          h("h3", {}, "Parameters"),
          h(
            "div",
            { class: "scroll" },
            parametersTable(d.parameters, run.best && !single ? "Best combination" : "Value"),
          ),
        ]
      : null,
    d.constraints.length
      ? h(
          "p",
          { class: "muted", id: "definition-constraints" },
          `Only where ${d.constraints.join(", ")}.`,
        )
      : null,
    h(
      "dl",
      { class: "facts", id: "definition-orders" },
      orders.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
    ),
    rawJson(run.definition),
  );
}

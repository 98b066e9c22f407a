// The dashboard's entry: the router, the token form and the runs with live progress (SSE).
import { api, forgetToken, liveRuns, NeedsToken, setToken, token } from "./api.js";
import { runPage } from "./run-page.js";
import { dataCell, formatCreated, h, n0, progressBar, runDuration, statusBadge } from "./ui.js";

const main = document.getElementById("main");
/** What the current view must stop when the page changes: streams, timers, charts. */
const cleanup = [];
/** Counts route changes, so a view whose data arrives after the user moved on is dropped. */
let generation = 0;

function tokenForm(message) {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    required: true,
  });
  const form = h(
    "form",
    {
      class: "token-form",
      onsubmit: (event) => {
        event.preventDefault();
        setToken(input.value.trim());
        route();
      },
    },
    h("label", { for: "token" }, "API token"),
    input,
    h("button", { type: "submit" }, "Continue"),
  );
  main.replaceChildren(
    h("h1", {}, "Sign in"),
    h("p", { class: "notice", role: "alert" }, message),
    h("p", { class: "muted" }, "The token is kept in this tab only (sessionStorage)."),
    form,
  );
  input.focus();
}

function runRow(run) {
  const name = run.label ?? run.runId;
  return h(
    "tr",
    { "data-run-id": run.runId, "data-status": run.status },
    h(
      "td",
      {},
      h("a", { href: `#/runs/${run.runId}`, title: run.runId }, name),
      run.label ? h("div", { class: "muted mono" }, run.runId) : null,
    ),
    h("td", { class: "status-cell" }, statusBadge(run.status)),
    h("td", {}, run.strategy),
    h("td", { class: "wrap" }, dataCell(run)),
    h(
      "td",
      { class: "num" },
      n0.format(run.combinations),
      h("div", { class: "muted" }, `${run.shards} shard${run.shards === 1 ? "" : "s"}`),
    ),
    h("td", { class: "progress-cell" }, progressBar(run)),
    h("td", { class: "num duration" }, runDuration(run)),
    h("td", { title: run.createdAt }, formatCreated(run.createdAt)),
  );
}

/** The runs, newest first; status and progress follow the stream, without reloading the list. */
async function runsPage(gen) {
  const entries = new Map();
  const tbody = h("tbody");
  const count = h("p", { class: "muted" });
  const render = async () => {
    const { runs, total } = await api("runs?limit=50");
    entries.clear();
    tbody.replaceChildren(
      ...runs.map((run) => {
        const row = runRow(run);
        entries.set(run.runId, { run, row });
        return row;
      }),
    );
    count.textContent =
      total === 0
        ? "No runs yet: send a signed webhook to /webhooks/backtest."
        : `${n0.format(total)} run${total === 1 ? "" : "s"}${total > runs.length ? `, the newest ${runs.length} shown` : ""}.`;
  };
  await render();
  if (gen !== generation) return;
  main.replaceChildren(
    h("h1", {}, "Runs"),
    count,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { id: "runs-table", class: "runs" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...[
              "Run",
              "Status",
              "Strategy",
              "Data",
              "Combinations",
              "Progress",
              "Duration",
              "Created",
            ].map((label) => h("th", { scope: "col" }, label)),
          ),
        ),
        tbody,
      ),
    ),
  );

  let reload;
  // Runs the stream named that a fresh list did not hold either (older than the newest 50).
  const pending = new Set();
  const outside = new Set();
  const stop = liveRuns((event) => {
    const entry = entries.get(event.runId);
    if (!entry) {
      if (outside.has(event.runId)) return;
      // A run this list has not got: fetch the list again, once for a burst of them.
      pending.add(event.runId);
      clearTimeout(reload);
      reload = setTimeout(() => {
        const asked = [...pending];
        pending.clear();
        render()
          .then(() => {
            for (const runId of asked) if (!entries.has(runId)) outside.add(runId);
          })
          .catch(showError);
      }, 250);
      return;
    }
    const before = entry.run.status;
    entry.run = { ...entry.run, status: event.status, progress: event.progress };
    entry.row.dataset.status = event.status;
    entry.row.querySelector(".status-cell").replaceChildren(statusBadge(event.status));
    entry.row.querySelector(".progress-cell").replaceChildren(progressBar(entry.run));
    if (before !== event.status) {
      // Started or finished: its times changed, which the stream does not carry.
      api(`runs/${event.runId}`)
        .then((run) => {
          entry.run = { ...entry.run, startedAt: run.startedAt, finishedAt: run.finishedAt };
          entry.row.querySelector(".duration").textContent = runDuration(entry.run);
        })
        .catch(() => undefined);
    }
  });
  cleanup.push(stop);
  const clock = setInterval(() => {
    for (const { run, row } of entries.values()) {
      if (run.status === "running") row.querySelector(".duration").textContent = runDuration(run);
    }
  }, 1000);
  cleanup.push(() => clearInterval(clock));
}

// ---- routing ----------------------------------------------------------------------------

function showError(error) {
  if (error instanceof NeedsToken) return tokenForm(error.message);
  main.replaceChildren(
    h("h1", {}, "Something went wrong"),
    h("p", { class: "error-box", role: "alert" }, String(error.message ?? error)),
    h("p", {}, h("a", { href: "#/" }, "Back to the runs")),
  );
}

async function route() {
  const gen = ++generation;
  for (const stop of cleanup.splice(0)) stop();
  document.getElementById("forget-token").hidden = !token();
  const match = /^#\/runs\/(run_[a-z2-7]{26})$/.exec(location.hash);
  document.body.dataset.view = match ? "run" : "runs";
  try {
    const view = {
      current: () => gen === generation,
      onLeave: (stop) => cleanup.push(stop),
      reload: () => route(),
      fail: showError,
    };
    if (match) await runPage(main, match[1], view);
    else await runsPage(gen);
    document.title = match ? `Run ${match[1]} · Zixly` : "Runs · Zixly";
  } catch (error) {
    if (gen === generation) showError(error);
  }
  if (gen === generation) main.dataset.ready = "true";
}

document.getElementById("forget-token").addEventListener("click", () => {
  forgetToken();
  route();
});
window.addEventListener("hashchange", () => {
  main.dataset.ready = "false";
  route().then(() => main.focus());
});
route();

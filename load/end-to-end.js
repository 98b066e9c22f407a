// k6: submit N signed sweeps, follow each run to its end, and judge the whole pipeline by them.
//
//   k6 run -e WEBHOOK_URL=http://.../webhooks/backtest -e WEBHOOK_SECRET=whsec_... \
//     [-e API_TOKEN=...] [-e RUNS=20] [-e MAX_SECONDS=300] load/end-to-end.js
//
// Each iteration is one run: POST the webhook (202 {runId, statusUrl}), then poll
// GET /runs/:id until the run is finished or the timeout passes. The time from the POST
// to the poll that saw `succeeded` is the time-to-complete: webhook, broker, dispatch,
// Job scheduling and image pull, the sweep itself, record-result.
import { check, sleep } from "k6";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import { numberEnv, optionalEnv, requireEnv } from "./lib/env.js";
import { signedHeaders, webhookKey } from "./lib/sign.js";

const WEBHOOK_URL = requireEnv(
  "WEBHOOK_URL",
  "the ingest URL with its path, e.g. http://ingest-webhook.default.127.0.0.1.sslip.io/webhooks/backtest",
);
const KEY = webhookKey(
  requireEnv("WEBHOOK_SECRET", "the whsec_... secret that ingest-webhook verifies with"),
);
/** The api's bearer token, when the api has API_TOKEN set. */
const API_TOKEN = optionalEnv("API_TOKEN");
/** Poll here instead of the statusUrl host, when that host is not reachable from k6. */
const API_URL = optionalEnv("API_URL");
const RUNS = Math.floor(numberEnv("RUNS", 20));
/** Runs in flight at once; all of them by default, so the cluster sees N sweeps together. */
const VUS = Math.min(RUNS, Math.floor(numberEnv("VUS", RUNS)));
/** The p95 time-to-complete the test must stay under. */
const MAX_SECONDS = numberEnv("MAX_SECONDS", 300);
/** A run not finished this long after its POST counts as failed. */
const TIMEOUT_SECONDS = numberEnv("TIMEOUT_SECONDS", 2 * MAX_SECONDS);
const POLL_SECONDS = numberEnv("POLL_SECONDS", 2);
/** Tries of the POST when ingest answers 429 or 503 (both carry Retry-After or are transient). */
const SUBMIT_ATTEMPTS = 5;

/** The request every run sends: the repository's example sweep unless REQUEST_FILE names another. */
const REQUEST = JSON.parse(open(optionalEnv("REQUEST_FILE") ?? "../examples/sma-sweep.json"));

/** The statuses after which a run never changes (functions/api/handler.ts). */
const FINAL = ["succeeded", "failed", "rejected", "cancelled"];

const timeToComplete = new Trend("time_to_complete", true);
const runDuration = new Trend("run_duration", true);
const runsFailed = new Counter("runs_failed");
const runsSucceeded = new Rate("runs_succeeded");

export const options = {
  scenarios: {
    sweeps: {
      executor: "shared-iterations",
      vus: VUS,
      iterations: RUNS,
      // Every wave of VUs may take the whole timeout, plus the retried POSTs.
      maxDuration: `${Math.ceil(RUNS / VUS) * (TIMEOUT_SECONDS + 60)}s`,
    },
  },
  thresholds: {
    // Every run reached `succeeded`: a failed, rejected, cancelled, timed-out or refused run
    // adds to runs_failed and a false to runs_succeeded.
    runs_failed: ["count==0"],
    runs_succeeded: ["rate==1"],
    time_to_complete: [`p(95)<${MAX_SECONDS * 1000}`],
  },
};

/** One tag for this test run, so webhook-ids (and so run ids) never repeat across runs. */
export function setup() {
  return { tag: `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}` };
}

function recordFailure(why, fields) {
  runsFailed.add(1, { reason: why });
  runsSucceeded.add(false);
  console.warn(`run failed: ${why} ${JSON.stringify(fields)}`);
}

/** POST the webhook, again after Retry-After on 429/503; the same id, signed afresh each time. */
function submit(id, body) {
  let res;
  for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
    res = http.post(WEBHOOK_URL, body, {
      headers: signedHeaders(KEY, id, body),
      responseCallback: http.expectedStatuses(202),
      tags: { name: "POST /webhooks/:source" },
    });
    if (res.status !== 429 && res.status !== 503) break;
    sleep(Math.min(30, Number(res.headers["Retry-After"]) || attempt));
  }
  return res;
}

function statusUrlOf(accepted) {
  return API_URL ? `${API_URL.replace(/\/+$/, "")}/runs/${accepted.runId}` : accepted.statusUrl;
}

export default function (data) {
  const id = `msg_k6e2e_${data.tag}_${__VU}-${__ITER}`;
  const body = JSON.stringify({ ...REQUEST, label: `k6 end-to-end ${id}` });
  const started = Date.now();

  const res = submit(id, body);
  if (!check(res, { "webhook accepted (202)": (r) => r.status === 202 })) {
    recordFailure("not accepted", { id, status: res.status, body: String(res.body).slice(0, 300) });
    return;
  }
  const accepted = res.json();
  const url = statusUrlOf(accepted);
  const params = {
    headers: API_TOKEN ? { Authorization: `Bearer ${API_TOKEN}` } : {},
    // The run is recorded by dispatch-backtest after the 202, so a 404 can come first.
    responseCallback: http.expectedStatuses(200, 404),
    tags: { name: "GET /runs/:id" },
  };

  let run;
  while (Date.now() - started < TIMEOUT_SECONDS * 1000) {
    sleep(POLL_SECONDS);
    const poll = http.get(url, params);
    if (poll.status === 401) {
      recordFailure("api refused the token", { runId: accepted.runId, hint: "set API_TOKEN" });
      return;
    }
    if (poll.status !== 200) continue;
    run = poll.json();
    if (FINAL.includes(run.status)) break;
  }

  const finished = run !== undefined && FINAL.includes(run.status);
  check(run, { "run succeeded": (r) => r !== undefined && r.status === "succeeded" });
  if (!finished) {
    recordFailure("timed out", {
      runId: accepted.runId,
      status: run?.status,
      progress: run?.progress,
    });
  } else if (run.status !== "succeeded") {
    recordFailure(run.status, {
      runId: accepted.runId,
      error: run.error,
      errorCode: run.errorCode,
    });
  } else {
    runsFailed.add(0);
    runsSucceeded.add(true);
    timeToComplete.add(Date.now() - started);
    if (run.createdAt && run.finishedAt) {
      runDuration.add(Date.parse(run.finishedAt) - Date.parse(run.createdAt));
    }
  }
}

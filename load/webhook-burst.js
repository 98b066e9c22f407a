// k6: signed webhooks at a rising arrival rate, to measure ingest alone (time to the 202).
//
//   k6 run -e WEBHOOK_URL=http://.../webhooks/backtest -e WEBHOOK_SECRET=whsec_... load/webhook-burst.js
//
// An arrival-rate executor starts requests on a clock whatever the latency, so a slow
// ingest shows up as latency and dropped iterations instead of quietly lowering the load
// (k6 docs, "Open and closed models"). Every 202 is a real run: see load/README.md.
import { check } from "k6";
import http from "k6/http";
import { numberEnv, requireEnv } from "./lib/env.js";
import { signedHeaders, webhookKey } from "./lib/sign.js";

const WEBHOOK_URL = requireEnv(
  "WEBHOOK_URL",
  "the ingest URL with its path, e.g. http://ingest-webhook.default.127.0.0.1.sslip.io/webhooks/backtest",
);
const KEY = webhookKey(
  requireEnv("WEBHOOK_SECRET", "the whsec_... secret that ingest-webhook verifies with"),
);
/** Requests per second at the top of the ramp. */
const PEAK_RATE = numberEnv("PEAK_RATE", 200);
/** Seconds held at the peak. */
const HOLD_SECONDS = numberEnv("HOLD_SECONDS", 60);

/**
 * A small sweep on synthetic bars: 4 combinations, 1 shard, no data to fetch, no callback.
 * The body is the same for every request; the webhook-id makes each delivery a new run.
 */
export const BODY = JSON.stringify({
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 50] },
  data: { synthetic: { bars: 500, seed: 7 } },
  commission: 0.001,
  label: "k6 webhook-burst",
});

export const options = {
  scenarios: {
    burst: {
      executor: "ramping-arrival-rate",
      startRate: 10,
      timeUnit: "1s",
      // At 300 ms each, 200 req/s keeps about 60 requests in flight; more VUs are added
      // up to maxVUs when latency grows, and k6 reports dropped_iterations past that.
      preAllocatedVUs: 100,
      maxVUs: 400,
      stages: [
        { target: Math.min(50, PEAK_RATE), duration: "30s" },
        { target: PEAK_RATE, duration: "1m" },
        { target: PEAK_RATE, duration: `${HOLD_SECONDS}s` },
        { target: 10, duration: "30s" },
      ],
    },
  },
  thresholds: {
    // Ingest answers 202 only after the broker has taken the event, so this is
    // authentication + validation + rate limit + replay guard + broker ingress.
    http_req_duration: ["p(95)<300"],
    // 202 is the only success; 401 (bad signature), 429 (rate limit) and 503 (broker down)
    // all count as failures here.
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
  },
};

/** A tag shared by every request of this test run, so webhook-ids never repeat across runs. */
export function setup() {
  return { tag: `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}` };
}

/** One delivery: signed now (the receiver allows 5 minutes of clock skew), with its own id. */
export default function (data) {
  const id = `msg_k6burst_${data.tag}_${__VU}-${__ITER}`;
  const res = http.post(WEBHOOK_URL, BODY, {
    headers: signedHeaders(KEY, id, BODY),
    responseCallback: http.expectedStatuses(202),
    tags: { name: "POST /webhooks/:source" },
  });
  check(res, {
    "status is 202": (r) => r.status === 202,
  });
}

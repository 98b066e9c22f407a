// Runs one function in its own process, as its container does: FUNCTION_TARGET picks it.
// It is functions-framework's handling behind a front that adds what functions-framework
// lacks: a body limit before anything is read, the broker's token on event functions when
// BROKER_TOKEN is set, timeouts sized for webhooks, /healthz and /readyz, JSON answers to what
// express refuses, and draining requests in flight on SIGTERM (function-server.ts). Webhooks
// go straight to the ingest handler on node:http. Prometheus metrics are served by a second
// server on METRICS_PORT, off the function's request path (docs/metrics.md).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { ConfigError, loadConfig } from "../platform/config.ts";
import type { FunctionContext } from "../platform/function-context.ts";
import { type ReadinessChecks, readiness } from "../platform/health/readiness.ts";
import { answerFrameworkErrors } from "../platform/http/framework-errors.ts";
import { applyServerLimits } from "../platform/http/server-limits.ts";
import { createLogger } from "../platform/log.ts";
import { metricsServer } from "../platform/metrics/metrics-endpoint.ts";
import { startTracing } from "../platform/tracing.ts";
import { functionServer } from "./function-server.ts";
import type { IngestDeps } from "./ingest-webhook/handler.ts";
import { ingestNodeHandler } from "./ingest-webhook/node-http-adapter.ts";

/** Each function's index, by FUNCTION_TARGET: static imports, so a bundler sees every one. */
const INDEXES = {
  "ingest-webhook": () => import("./ingest-webhook/index.ts"),
  "dispatch-backtest": () => import("./dispatch-backtest/index.ts"),
  "record-result": () => import("./record-result/index.ts"),
  notify: () => import("./notify/index.ts"),
  api: () => import("./api/index.ts"),
  "watch-jobs": () => import("./watch-jobs/index.ts"),
  "dead-letters": () => import("./dead-letters/index.ts"),
} as const;
const TARGETS = Object.keys(INDEXES);

/** Bad configuration: one line naming what is wrong, and exit code 2 (a crash would be 1). */
function refuse(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const log = createLogger("serve");
const target = process.env.FUNCTION_TARGET ?? "";
if (!TARGETS.includes(target)) {
  refuse(`FUNCTION_TARGET must be one of ${TARGETS.join(", ")}; got "${target}"`);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  refuse(error instanceof ConfigError ? error.message : String(error));
}
// Port 0 (a free port, for tests) is the one value two servers may share.
if (config.METRICS_PORT === config.PORT && config.PORT !== 0) {
  refuse(`METRICS_PORT must differ from PORT (both ${config.PORT})`);
}
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector (docs/tracing.md).
const tracing = await startTracing(
  config.OTEL_SERVICE_NAME ?? target,
  config.OTEL_EXPORTER_OTLP_ENDPOINT,
);
// The function's index registers it and builds its context and dependencies now, before the
// server listens: a setting it lacks stops the process here, never at the first request.
let module: {
  context: FunctionContext;
  checks: ReadinessChecks;
  deps?: () => Promise<IngestDeps>;
};
try {
  module = await INDEXES[target as keyof typeof INDEXES]();
} catch (error) {
  if (error instanceof ConfigError) refuse(error.message);
  throw error;
}
// Express's own error page quotes the stack trace: what its router or parsers refuse is
// answered as JSON instead (a malformed path or body is a 4xx, never a 500).
const app = answerFrameworkErrors(getTestServer(target), log);
// Webhooks skip functions-framework's per-request machinery: docs/decisions/0015-ingest-path.md.
const webhooks =
  target === "ingest-webhook" && module.deps ? ingestNodeHandler(module.deps) : undefined;
// Liveness (/healthz) is the process serving; readiness (/readyz) is what the function cannot
// work without answering: docs/decisions/0022-readiness.md.
const ready = readiness(module.checks);

// Every target but the two HTTP functions takes CloudEvents from the broker.
const events = target !== "ingest-webhook" && target !== "api";
const server = functionServer({
  app,
  webhooks,
  events,
  // In compose, BROKER_TOKEN is set and the broker sends it to its subscribers: any other
  // container on the network could otherwise post a forged event here
  // (docs/decisions/0027-broker-authentication.md). On Knative it is unset: the event
  // functions are cluster-local, and Knative's own OIDC tokens to subscribers are not
  // verified here yet, so requiring a token would refuse every delivery.
  eventToken: events ? config.BROKER_TOKEN : undefined,
  readyz: ready.handler,
  maxBodyBytes: config.MAX_BODY_BYTES,
  log,
});
const portOf = (s: Server) => (s.address() as AddressInfo).port;
server.listen(config.PORT, () => log.info("serving", { target, port: portOf(server) }));

// Knative routes requests only to the container's one declared port, so this port is reached
// by Prometheus alone, and a scrape never waits behind the function's requests.
const metrics = applyServerLimits(metricsServer());
metrics.on("error", (error) => {
  log.error("metrics server failed", { port: config.METRICS_PORT, error: String(error) });
  process.exit(2);
});
metrics.listen(config.METRICS_PORT, () =>
  log.info("serving metrics", { port: portOf(metrics), path: "/metrics" }),
);

// Knative sends SIGTERM and waits terminationGracePeriodSeconds: finish what is in flight.
process.on("SIGTERM", () => {
  log.info("draining", { target });
  server.close(() => {
    // Connections are let go (a database that is still being opened stops being retried),
    // and the spans of the last requests are flushed, before exit.
    void module.context.adapters
      .close()
      .catch((error: unknown) => log.warn("adapters not closed", { error: String(error) }))
      .then(() => tracing.shutdown())
      .then(() => process.exit(0));
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 25_000).unref();
});

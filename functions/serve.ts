// Runs one function in its own process, as its container does: FUNCTION_TARGET picks it.
// It is functions-framework's handling behind a front that adds what functions-framework
// lacks: a body limit before anything is read, the broker's token on event functions when
// BROKER_TOKEN is set, timeouts sized for webhooks, /healthz and /readyz, JSON answers to what
// express refuses, and draining requests in flight on SIGTERM (function-server.ts). Webhooks
// go straight to the ingest handler on node:http. Prometheus metrics are served by a second
// server on METRICS_PORT, off the function's request path (docs/metrics.md).
//
// It listens first and loads the function after: /healthz answers while functions-framework,
// the function and its adapters load, and every other request waits for them
// (docs/decisions/0036-listen-first.md). So this file imports statically only what listening
// needs and a few small modules of ours; functions-framework, the function and its packages
// are imported in load() below.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, loadConfig } from "../platform/config.ts";
import type { FunctionContext } from "../platform/function-context.ts";
import { type ReadinessChecks, readiness } from "../platform/health/readiness.ts";
import { answerFrameworkErrors } from "../platform/http/framework-errors.ts";
import { applyServerLimits } from "../platform/http/server-limits.ts";
import { createLogger } from "../platform/log.ts";
import type { Tracing } from "../platform/tracing.ts";
import { type FunctionHandlers, functionServer } from "./function-server.ts";
import type { IngestDeps } from "./ingest-webhook/handler.ts";

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

/** A loaded function: what answers its requests, and what SIGTERM closes. */
interface LoadedFunction {
  readonly handlers: FunctionHandlers;
  readonly context: FunctionContext;
  readonly tracing: Tracing;
}

/** One turn of the event loop: connections that arrived meanwhile are taken, /healthz answered. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Loads the function: tracing, functions-framework, the function's index (which registers it
 * and builds its context and dependencies: a setting it lacks is a ConfigError here, and the
 * process stops before it says `serving`), then its readiness checks. Between the heavy steps
 * it gives the event loop a turn, so /healthz is answered within one step of being asked.
 */
async function load(): Promise<LoadedFunction> {
  await turn();
  const { startTracing } = await import("../platform/tracing.ts");
  // Off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector (docs/tracing.md).
  const tracing = await startTracing(
    config.OTEL_SERVICE_NAME ?? target,
    config.OTEL_EXPORTER_OTLP_ENDPOINT,
  );
  const testing = await import("@google-cloud/functions-framework/testing");
  // A CommonJS module: node and tsx name its exports on the namespace, while an esbuild bundle
  // gives them only as `default` (it cannot see CommonJS export names).
  const getTestServer = testing.getTestServer ?? testing.default.getTestServer;
  await turn();
  const module: {
    context: FunctionContext;
    checks: ReadinessChecks;
    deps?: () => Promise<IngestDeps>;
  } = await INDEXES[target as keyof typeof INDEXES]();
  await turn();
  // Express's own error page quotes the stack trace: what its router or parsers refuse is
  // answered as JSON instead (a malformed path or body is a 4xx, never a 500).
  const app = answerFrameworkErrors(getTestServer(target), log);
  // Webhooks skip functions-framework's per-request machinery: docs/decisions/0015-ingest-path.md.
  const webhooks =
    target === "ingest-webhook" && module.deps
      ? (await import("./ingest-webhook/node-http-adapter.ts")).ingestNodeHandler(module.deps)
      : undefined;
  // Liveness (/healthz) is the process serving; readiness (/readyz) is what the function cannot
  // work without answering: docs/decisions/0022-readiness.md.
  const readyz = readiness(module.checks).handler;
  return { handlers: { app, webhooks, readyz }, context: module.context, tracing };
}

const loading = load();
// Bad configuration found while loading stops the process with exit 2, as before it listened;
// anything else is a crash (exit 1, with its stack).
loading.catch((error: unknown) => {
  if (error instanceof ConfigError) refuse(error.message);
  throw error;
});

// Every target but the two HTTP functions takes CloudEvents from the broker.
const events = target !== "ingest-webhook" && target !== "api";
const server = functionServer({
  handlers: loading.then((loaded) => loaded.handlers),
  events,
  // In compose, BROKER_TOKEN is set and the broker sends it to its subscribers: any other
  // container on the network could otherwise post a forged event here
  // (docs/decisions/0027-broker-authentication.md). On Knative it is unset: the event
  // functions are cluster-local, and Knative's own OIDC tokens to subscribers are not
  // verified here yet, so requiring a token would refuse every delivery.
  eventToken: events ? config.BROKER_TOKEN : undefined,
  maxBodyBytes: config.MAX_BODY_BYTES,
  log,
});
const portOf = (s: Server) => (s.address() as AddressInfo).port;
server.listen(config.PORT);
// `serving` means the function is loaded: requests are answered by it from now on.
void Promise.all([loading, once(server, "listening")]).then(() =>
  log.info("serving", { target, port: portOf(server) }),
);

// Knative routes requests only to the container's one declared port, so this port is reached
// by Prometheus alone, and a scrape never waits behind the function's requests. Started once
// the function is loaded: prom-client and the function's metrics come with it.
void loading.then(async () => {
  const { metricsServer } = await import("../platform/metrics/metrics-endpoint.ts");
  const metrics = applyServerLimits(metricsServer());
  metrics.on("error", (error) => {
    log.error("metrics server failed", { port: config.METRICS_PORT, error: String(error) });
    process.exit(2);
  });
  metrics.listen(config.METRICS_PORT, () =>
    log.info("serving metrics", { port: portOf(metrics), path: "/metrics" }),
  );
});

// Knative sends SIGTERM and waits terminationGracePeriodSeconds: finish what is in flight.
process.on("SIGTERM", () => {
  log.info("draining", { target });
  server.close(() => {
    // Requests that arrived while the function loaded were answered by it before this runs.
    // Connections are let go (a database that is still being opened stops being retried),
    // and the spans of the last requests are flushed, before exit.
    void loading
      .then(({ context, tracing }) =>
        context.adapters
          .close()
          .catch((error: unknown) => log.warn("adapters not closed", { error: String(error) }))
          .then(() => tracing.shutdown()),
      )
      .then(
        () => process.exit(0),
        () => process.exit(0),
      );
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 25_000).unref();
});

// Runs one function in its own process, as its container does: FUNCTION_TARGET picks it.
// It is functions-framework's handling behind a front that adds what functions-framework
// lacks: a body limit before anything is read, /healthz, and draining requests in flight on
// SIGTERM. Webhooks go straight to the ingest handler on node:http. Prometheus metrics are
// served by a second server on METRICS_PORT, off the function's request path (docs/metrics.md).
import { createServer } from "node:http";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { guardBody } from "../platform/http/body-guard.ts";
import { createLogger } from "../platform/log.ts";
import { metricsServer } from "../platform/metrics/metrics-endpoint.ts";
import { startTracing } from "../platform/tracing.ts";
import type { IngestDeps } from "./ingest-webhook/handler.ts";
import { ingestNodeHandler } from "./ingest-webhook/node-http-adapter.ts";

const TARGETS = [
  "ingest-webhook",
  "dispatch-backtest",
  "record-result",
  "notify",
  "api",
  "watch-jobs",
  "dead-letters",
];

const log = createLogger("serve");
const target = process.env.FUNCTION_TARGET ?? "";
if (!TARGETS.includes(target)) {
  process.stderr.write(
    `error: FUNCTION_TARGET must be one of ${TARGETS.join(", ")}; got "${target}"\n`,
  );
  process.exit(2);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`error: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
if (config.METRICS_PORT === config.PORT) {
  process.stderr.write(`error: METRICS_PORT must differ from PORT (both ${config.PORT})\n`);
  process.exit(2);
}
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector (docs/tracing.md).
const tracing = await startTracing(
  config.OTEL_SERVICE_NAME ?? target,
  config.OTEL_EXPORTER_OTLP_ENDPOINT,
);
// The function's index registers it and wires its dependencies from the environment.
// From source the modules are TypeScript; in the image they are compiled JavaScript.
const module = (await import(
  `./${target}/index${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`
)) as {
  deps?: () => Promise<IngestDeps>;
};
const app = getTestServer(target);
// Webhooks skip functions-framework's per-request machinery: docs/decisions/0015-ingest-path.md.
const webhooks =
  target === "ingest-webhook" && module.deps ? ingestNodeHandler(module.deps) : undefined;
const logError = (m: string, f: Record<string, unknown>) => log.error(m, f);

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz" && target !== "api") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  if (webhooks) {
    webhooks(req, res);
    return;
  }
  if (!guardBody(req, res, config.MAX_BODY_BYTES, logError)) return;
  app.emit("request", req, res);
});
server.listen(config.PORT, () => log.info("serving", { target, port: config.PORT }));

// Knative routes requests only to the container's one declared port, so this port is reached
// by Prometheus alone, and a scrape never waits behind the function's requests.
const metrics = metricsServer();
metrics.on("error", (error) => {
  log.error("metrics server failed", { port: config.METRICS_PORT, error: String(error) });
  process.exit(2);
});
metrics.listen(config.METRICS_PORT, () =>
  log.info("serving metrics", { port: config.METRICS_PORT, path: "/metrics" }),
);

// Knative sends SIGTERM and waits terminationGracePeriodSeconds: finish what is in flight.
process.on("SIGTERM", () => {
  log.info("draining", { target });
  // The spans of the last requests are flushed before exit.
  server.close(() => void tracing.shutdown().then(() => process.exit(0)));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 25_000).unref();
});

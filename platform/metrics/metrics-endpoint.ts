// Serves the process's registry as Prometheus text: a route for the stack, a server for a function.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { metricsRegistry } from "./registry.ts";

/** The path Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

/**
 * Answers GET (and HEAD) with the registry's exposition text and its content type; other
 * methods get 405. Collection errors become a 500 without detail.
 */
export function metricsHandler(
  registry: Registry = metricsRegistry,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          "content-type": registry.contentType,
          "content-length": Buffer.byteLength(text),
        });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
      },
    );
  };
}

/**
 * A server of its own for `/metrics`, so that scrapes never queue behind the function's
 * requests and the metrics port is never routed to the function (Knative sends traffic only
 * to the container's one declared port). Any other path is 404.
 */
export function metricsServer(registry: Registry = metricsRegistry): Server {
  const serve = metricsHandler(registry);
  return createServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] === METRICS_PATH) {
      serve(req, res);
      return;
    }
    req.resume();
    res.writeHead(404, { "content-type": "text/plain" }).end("not found; try /metrics\n");
  });
}

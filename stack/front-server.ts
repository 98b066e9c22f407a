// The one HTTP server of the embedded stack: webhooks, the broker ingress, /metrics and the api.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { Logger } from "../platform/log.ts";

/** What the front server routes to. */
export interface FrontRoutes {
  /** `POST /webhooks/:source`: the ingest function on node:http (see its node-http-adapter). */
  readonly ingest: (req: IncomingMessage, res: ServerResponse) => void;
  /** functions-framework name of the api function. */
  readonly api: string;
  /** `POST /broker/default`: where Jobs publish their events. */
  readonly broker: (req: IncomingMessage, res: ServerResponse) => void;
  /** `GET /metrics`: the whole process's Prometheus metrics; absent, the api answers. */
  readonly metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /** `GET /readyz`: the stack's readiness (platform/health/readiness.ts); absent, the api answers. */
  readonly readyz?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly log: Logger;
  /** True once shutdown began: then only the broker ingress is served, the rest gets 503. */
  readonly draining?: () => boolean;
}

/**
 * Routes `/webhooks/*` to the ingest function, `/broker/default` to the broker, `/metrics`
 * to the metrics, `GET /readyz` to the readiness, and the rest to the api, which runs through functions-framework's own
 * request handling.
 */
export function frontServer(routes: FrontRoutes): Server {
  // functions-framework's servers are used only for their request handlers; they never listen.
  const api = getTestServer(routes.api);
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (routes.draining?.() && path !== "/broker/default") {
      // Shutting down: running Jobs still report through the broker ingress; nothing new starts.
      req.resume();
      res.writeHead(503, {
        "content-type": "application/json",
        "retry-after": "5",
        connection: "close",
      });
      res.end('{"error":{"code":"unavailable","message":"shutting down"}}');
      return;
    }
    if (path.startsWith("/webhooks/")) {
      routes.ingest(req, res);
    } else if (path === "/broker/default") {
      routes.broker(req, res);
    } else if (path === "/metrics" && routes.metrics) {
      routes.metrics(req, res);
    } else if (path === "/readyz" && req.method === "GET" && routes.readyz) {
      routes.readyz(req, res);
    } else {
      api.emit("request", req, res);
    }
  });
}

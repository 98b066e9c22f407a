// The public HTTP server of the embedded stack: webhooks, /metrics, /readyz and the api.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { answerFrameworkErrors } from "../platform/http/framework-errors.ts";
import { applyServerLimits } from "../platform/http/server-limits.ts";
import type { Logger } from "../platform/log.ts";

/** What the front server routes to. */
export interface FrontRoutes {
  /** `POST /webhooks/:source`: the ingest function on node:http (see its node-http-adapter). */
  readonly ingest: (req: IncomingMessage, res: ServerResponse) => void;
  /** functions-framework name of the api function. */
  readonly api: string;
  /** `GET /metrics`: the whole process's Prometheus metrics; absent, the api answers. */
  readonly metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /** `GET /readyz`: the stack's readiness (platform/health/readiness.ts); absent, the api answers. */
  readonly readyz?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly log: Logger;
  /**
   * True once shutdown began: then everything gets 503. Jobs still report through the broker
   * ingress, which is on the internal listener (internal-server.ts), not here.
   */
  readonly draining?: () => boolean;
}

/**
 * Routes `/webhooks/*` to the ingest function, `/metrics` to the metrics, `GET /readyz` to the
 * readiness, and the rest to the api, which runs through functions-framework's own request
 * handling. The broker ingress is not routed here: anyone who reaches this port could forge
 * any event (docs/decisions/0027-broker-authentication.md), so the api answers
 * `/broker/default` like any path it does not know.
 */
export function frontServer(routes: FrontRoutes): Server {
  // functions-framework's servers are used only for their request handlers; they never listen.
  // Express's own error page quotes the stack trace: what its router or parsers refuse is
  // answered as JSON instead (platform/http/framework-errors.ts).
  const api = answerFrameworkErrors(getTestServer(routes.api), routes.log);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (routes.draining?.()) {
      // Shutting down: nothing new starts; running Jobs report on the internal listener.
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
    } else if (path === "/metrics" && routes.metrics) {
      routes.metrics(req, res);
    } else if (path === "/readyz" && req.method === "GET" && routes.readyz) {
      routes.readyz(req, res);
    } else {
      api.emit("request", req, res);
    }
  });
  return applyServerLimits(server);
}

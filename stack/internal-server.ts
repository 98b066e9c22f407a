// The embedded stack's second listener, on loopback only: the broker ingress where local Jobs report.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { NotFound } from "../platform/http/http-errors.ts";
import { sendError } from "../platform/http/send-error.ts";
import { applyServerLimits } from "../platform/http/server-limits.ts";
import type { Logger } from "../platform/log.ts";

/** The path of the broker ingress, as Knative's broker ingress names a namespace's `default`. */
export const BROKER_PATH = "/broker/default";

/** What the internal server routes to. */
export interface InternalRoutes {
  /** `POST /broker/default`: the authenticated broker ingress (platform/broker/broker-ingress.ts). */
  readonly broker: (req: IncomingMessage, res: ServerResponse) => void;
  readonly log: Logger;
}

/**
 * Serves the broker ingress and nothing else; every other path is 404. The caller listens on
 * 127.0.0.1 and the ingress requires the process's token, so the ingress is reachable from this
 * machine only, and only by a holder of the token: the Jobs this process started. It keeps
 * serving while the stack drains, so running shards can still report.
 */
export function internalServer(routes: InternalRoutes): Server {
  const logError = (message: string, fields: Record<string, unknown>) =>
    routes.log.error(message, fields);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === BROKER_PATH) {
      routes.broker(req, res);
      return;
    }
    req.resume();
    sendError(res, new NotFound(`no route ${path}`), logError);
  });
  return applyServerLimits(server);
}

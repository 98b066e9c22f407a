// The server one function runs behind (functions/serve.ts): health, webhooks on node:http, the rest to functions-framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { guardBearerToken } from "../platform/http/bearer-token.ts";
import { guardBody } from "../platform/http/body-guard.ts";
import { guardEventRequest } from "../platform/http/event-guard.ts";
import { Unavailable } from "../platform/http/http-errors.ts";
import { sendError } from "../platform/http/send-error.ts";
import {
  applyServerLimits,
  type ServerLimits,
  WEBHOOK_SERVER_LIMITS,
} from "../platform/http/server-limits.ts";
import type { Logger } from "../platform/log.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What answers a function's requests once it is loaded. */
export interface FunctionHandlers {
  /**
   * functions-framework's server for the function (getTestServer), used for its request
   * handler only; give it answerFrameworkErrors first (platform/http/framework-errors.ts).
   */
  readonly app: Server;
  /** `POST /webhooks/:source` straight on node:http (ingest-webhook only). */
  readonly webhooks?: Handler;
  /** `GET /readyz`. */
  readonly readyz: Handler;
}

/** What the server routes to, and how long a client may take. */
export interface FunctionServerOptions {
  /**
   * The function's handlers, or the promise of them while it loads: the server may listen
   * before (functions/serve.ts does). Until they are there, `/healthz` answers and every other
   * request waits for them; if they fail to load, it gets 503 (docs/decisions/0036-listen-first.md).
   */
  readonly handlers: FunctionHandlers | Promise<FunctionHandlers>;
  /**
   * A CloudEvent function: anything but a POST with a JSON body gets its 4xx here, before
   * functions-framework, which answers those with a 500.
   */
  readonly events?: boolean;
  /**
   * With `events`: the bearer token every request but `/healthz` and `/readyz` must carry
   * (`Authorization: Bearer <token>`), 32 characters or more. Compose's BROKER_TOKEN, which
   * its broker sends to subscribers; unset, events are taken from whoever reaches the port.
   */
  readonly eventToken?: string;
  /** Bodies declared larger are refused with 413 before functions-framework reads them. */
  readonly maxBodyBytes: number;
  readonly log: Logger;
  /** Default {@link WEBHOOK_SERVER_LIMITS}; tests shorten them. */
  readonly limits?: ServerLimits;
}

/**
 * `/healthz` (the process serves), `/readyz`, webhooks when given, and everything else to
 * functions-framework behind a bearer-token check (with `eventToken`), an event check (with
 * `events`) and a body-size guard, with header, request and keep-alive timeouts sized for
 * webhooks (platform/http/server-limits.ts). Not listening yet.
 *
 * `/healthz` is answered from the first moment, without the function; any other request that
 * arrives while `handlers` is still a pending promise is held (unread) and routed as usual once
 * it resolves, so nothing is refused for arriving early.
 * @throws {RangeError} for an `eventToken` without `events`, or shorter than 32 characters.
 */
export function functionServer(options: FunctionServerOptions): Server {
  const limits = options.limits ?? WEBHOOK_SERVER_LIMITS;
  const logError = (m: string, f: Record<string, unknown>) => options.log.error(m, f);
  const logDebug = (m: string, f: Record<string, unknown>) => options.log.debug(m, f);
  const { eventToken } = options;
  if (eventToken !== undefined && !options.events)
    throw new RangeError("eventToken is for CloudEvent functions: give events too");
  if (eventToken !== undefined && eventToken.length < 32)
    throw new RangeError("the event token must be 32 characters or more");

  // Set once the handlers are there; requests then go straight to them, without a promise hop.
  let loaded: FunctionHandlers | undefined;
  let failed = false;
  const loading = Promise.resolve(options.handlers).then(
    (handlers) => {
      loaded = handlers;
    },
    (error: unknown) => {
      failed = true;
      options.log.error("function failed to load", { error: String(error) });
    },
  );

  const route = (
    handlers: FunctionHandlers,
    path: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    if (req.method === "GET" && path === "/readyz") {
      handlers.readyz(req, res);
      return;
    }
    if (handlers.webhooks) {
      handlers.webhooks(req, res);
      return;
    }
    // Before anything else about the request: without the token, not even its method is judged.
    if (eventToken !== undefined && !guardBearerToken(req, res, eventToken, logDebug)) return;
    if (options.events && !guardEventRequest(req, res, logError)) return;
    if (!guardBody(req, res, options.maxBodyBytes, logError)) return;
    handlers.app.emit("request", req, res);
  };
  const unloaded = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    sendError(res, new Unavailable("the function failed to load"), logError);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    if (loaded) {
      route(loaded, path, req, res);
      return;
    }
    if (failed) {
      unloaded(req, res);
      return;
    }
    void loading.then(() => {
      // A client that gave up while it waited: nobody is left to answer.
      if (req.socket.destroyed) return;
      if (loaded) route(loaded, path, req, res);
      else unloaded(req, res);
    });
  });
  return applyServerLimits(server, limits);
}

// The embedded broker's HTTP ingress (POST /broker/default): where Jobs send their events (K_SINK).
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromHttp, InvalidEventData, NotOurEvent } from "../../events/cloud-event.ts";
import { PublishError } from "../../events/publisher.ts";
import { bearerTokenOf } from "../http/bearer-token.ts";
import { HttpError, InvalidRequest, Unauthorized, Unavailable } from "../http/http-errors.ts";
import { readBody } from "../http/read-body.ts";
import { sendError } from "../http/send-error.ts";
import { createLogger, type Logger } from "../log.ts";
import { sameSecret } from "../same-secret.ts";
import type { EmbeddedBroker } from "./embedded-broker.ts";

/** Events should stay under 64 KiB (CloudEvents); 1 MiB leaves room and still stops abuse. */
export const DEFAULT_INGRESS_LIMIT_BYTES = 1024 * 1024;

export interface BrokerIngressOptions {
  /**
   * The bearer token every request must carry (`Authorization: Bearer <token>`). Required:
   * whoever can put an event into the broker can start, finish or fail any run.
   */
  readonly token: string;
  readonly limitBytes?: number;
  readonly log?: Logger;
}

/**
 * A `node:http` handler that accepts binary- or structured-mode CloudEvents into `broker`:
 * 202 once the broker queued the event, 401 without the bearer token (before the body is
 * read), 400 for an event that is not ours or breaks its schema, 413 over the size limit,
 * 503 when the broker is closed. The caller routes `POST /broker/default` here.
 *
 * @example createServer(brokerIngress(broker, { token: config.BROKER_TOKEN }))
 */
export function brokerIngress(
  broker: Pick<EmbeddedBroker, "publish">,
  options: BrokerIngressOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limitBytes = options.limitBytes ?? DEFAULT_INGRESS_LIMIT_BYTES;
  const log = options.log ?? createLogger("broker-ingress");
  const logError = (message: string, fields: Record<string, unknown>) => log.error(message, fields);
  if (options.token.length < 32)
    throw new RangeError("the broker token must be 32 characters or more");
  const token = options.token;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!sameSecret(bearerTokenOf(req.headers.authorization), token)) {
      // Nothing of the body is read into memory; node discards the rest, and the
      // connection closes after the answer.
      res.setHeader("connection", "close");
      log.warn("event refused: no valid broker token", {
        remoteAddress: req.socket.remoteAddress,
        credentials: req.headers.authorization === undefined ? "none" : "wrong",
      });
      throw new Unauthorized("a valid broker token is required");
    }
    if (req.method !== "POST") {
      throw new HttpError(405, "method_not_allowed", "POST CloudEvents here", {
        headers: { allow: "POST" },
      });
    }
    const body = (await readBody(req, limitBytes)).toString("utf8");
    let event: ReturnType<typeof fromHttp>;
    try {
      event = fromHttp(req.headers, body);
    } catch (error) {
      if (error instanceof NotOurEvent || error instanceof InvalidEventData) {
        throw new InvalidRequest(error.message);
      }
      throw error;
    }
    try {
      await broker.publish(event);
    } catch (error) {
      if (error instanceof PublishError && error.status === 503)
        throw new Unavailable(error.message, { cause: error });
      throw error;
    }
    res.writeHead(202).end();
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error, logError));
  };
}

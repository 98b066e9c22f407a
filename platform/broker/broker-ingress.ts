// The embedded broker's HTTP ingress (POST /broker/default): where Jobs send their events (K_SINK).
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromHttp, InvalidEventData, NotOurEvent } from "../../events/cloud-event.ts";
import { PublishError } from "../../events/publisher.ts";
import { HttpError, InvalidRequest, PayloadTooLarge, Unavailable } from "../http/http-errors.ts";
import { sendError } from "../http/send-error.ts";
import { createLogger, type Logger } from "../log.ts";
import type { EmbeddedBroker } from "./embedded-broker.ts";

/** Events should stay under 64 KiB (CloudEvents); 1 MiB leaves room and still stops abuse. */
export const DEFAULT_INGRESS_LIMIT_BYTES = 1024 * 1024;

export interface BrokerIngressOptions {
  readonly limitBytes?: number;
  readonly log?: Logger;
}

/** Reads the whole body, refusing it with 413 as soon as it passes `limitBytes`. */
function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume(); // discard the body so the answer can still be read
    return Promise.reject(new PayloadTooLarge(limitBytes, declared));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners("data");
        req.resume(); // discard the rest so the answer can still be written
        reject(new PayloadTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * A `node:http` handler that accepts binary- or structured-mode CloudEvents into `broker`:
 * 202 once the broker queued the event, 400 for an event that is not ours or breaks its
 * schema, 413 over the size limit, 503 when the broker is closed. The caller routes
 * `POST /broker/default` here.
 */
export function brokerIngress(
  broker: Pick<EmbeddedBroker, "publish">,
  options: BrokerIngressOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limitBytes = options.limitBytes ?? DEFAULT_INGRESS_LIMIT_BYTES;
  const log = options.log ?? createLogger("broker-ingress");
  const logError = (message: string, fields: Record<string, unknown>) => log.error(message, fields);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      throw new HttpError(405, "method_not_allowed", "POST CloudEvents here", {
        headers: { allow: "POST" },
      });
    }
    const body = await readBody(req, limitBytes);
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

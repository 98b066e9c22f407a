// The checks a request body gets before functions-framework reads it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, PayloadTooLarge } from "./http-errors.ts";
import { sendError } from "./send-error.ts";

/**
 * Refuses a POST whose Content-Length passes `maxBodyBytes` (413), before anything reads
 * it: functions-framework's own parser would read up to 1 GiB. For webhooks (`raw`), a body
 * must declare its length (411), and is handed on as `application/octet-stream` so that the
 * function sees the bytes it verifies and answers malformed JSON itself. Returns false when
 * it has answered.
 */
export function guardBody(
  req: IncomingMessage,
  res: ServerResponse,
  options: { maxBodyBytes: number; raw: boolean },
  log: (message: string, fields: Record<string, unknown>) => void,
): boolean {
  if (req.method !== "POST") return true;
  const length = req.headers["content-length"];
  if (options.raw && length === undefined) {
    req.resume();
    sendError(
      res,
      new HttpError(411, "length_required", "webhooks need a Content-Length header"),
      log,
    );
    return false;
  }
  if (Number(length) > options.maxBodyBytes) {
    req.resume();
    sendError(res, new PayloadTooLarge(options.maxBodyBytes, Number(length)), log);
    return false;
  }
  if (options.raw) req.headers["content-type"] = "application/octet-stream";
  return true;
}

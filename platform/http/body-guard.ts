// The check a request body gets before functions-framework reads it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { PayloadTooLarge } from "./http-errors.ts";
import { sendError } from "./send-error.ts";

/**
 * Refuses a POST whose Content-Length passes `maxBodyBytes` (413) before anything reads
 * it: functions-framework's own parser would read up to 1 GiB. Returns false when it has
 * answered.
 */
export function guardBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  log: (message: string, fields: Record<string, unknown>) => void,
): boolean {
  const length = Number(req.headers["content-length"]);
  if (req.method !== "POST" || !(length > maxBodyBytes)) return true;
  req.resume();
  sendError(res, new PayloadTooLarge(maxBodyBytes, length), log);
  return false;
}

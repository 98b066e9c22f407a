// A request's `Authorization: Bearer` token, and the 401 for a request without the right one.
import type { IncomingMessage, ServerResponse } from "node:http";
import { sameSecret } from "../same-secret.ts";
import { Unauthorized } from "./http-errors.ts";
import { type ErrorLog, sendError } from "./send-error.ts";

/** `Bearer <token>`, the scheme in any case (RFC 7235: schemes are case-insensitive). */
const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header, or "" when there is none. */
export function bearerTokenOf(header: string | undefined): string {
  return BEARER.exec(header ?? "")?.[1] ?? "";
}

/**
 * Whether `req` carries `Authorization: Bearer <token>`, compared with `sameSecret`. When it
 * does not, answers 401 with `WWW-Authenticate: Bearer`, discards the body unread
 * (`req.resume()`), writes one line to `debug` and returns false.
 *
 * @example if (!guardBearerToken(req, res, config.BROKER_TOKEN, log.debug)) return;
 */
export function guardBearerToken(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  debug: ErrorLog,
): boolean {
  if (sameSecret(bearerTokenOf(req.headers.authorization), token)) return true;
  req.resume();
  // At debug: anyone who reaches the port can send these, and each would be a line.
  debug("request refused: no valid bearer token", {
    remoteAddress: req.socket.remoteAddress,
    credentials: req.headers.authorization === undefined ? "none" : "wrong",
  });
  sendError(res, new Unauthorized("a valid bearer token is required"), debug);
  return false;
}

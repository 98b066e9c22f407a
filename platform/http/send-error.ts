// The one place where errors become HTTP responses.
import type { ServerResponse } from "node:http";
import { HttpError } from "./http-errors.ts";

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: string; message: string; [k: string]: unknown };
}

/**
 * Maps an error to status, headers and body. Named {@link HttpError}s say what was wrong;
 * anything else is logged with its context and answered with a 500 that reveals nothing.
 */
export function errorResponse(
  error: unknown,
  log: (message: string, fields: Record<string, unknown>) => void,
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: { code: error.code, message: error.message, ...error.details } },
    };
  }
  log("unhandled error", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return {
    status: 500,
    headers: {},
    body: { error: { code: "internal", message: "internal error" } },
  };
}

/** Writes {@link errorResponse} to a node or express response. */
export function sendError(
  res: ServerResponse,
  error: unknown,
  log: (message: string, fields: Record<string, unknown>) => void,
): void {
  const { status, headers, body } = errorResponse(error, log);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

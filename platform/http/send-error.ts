// The one place where errors become HTTP responses.
import { type ServerResponse, STATUS_CODES } from "node:http";
import { ClientAborted, HttpError } from "./http-errors.ts";

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: string; message: string; [k: string]: unknown };
}

/** Where an error is logged: a Logger's method, or anything with its shape. */
export type ErrorLog = (message: string, fields: Record<string, unknown>) => void;

/** Codes of the 4xx that express and body-parser raise themselves (http-errors `status`). */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_request",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/**
 * The 4xx status an error from express, its router or body-parser carries (`status` or
 * `statusCode`, the http-errors convention), or undefined. A malformed path (`%zz`), a body
 * that is not JSON, an unsupported charset: the client's mistakes, never a 500.
 */
function clientStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === "number" ? status : statusCode;
  return typeof value === "number" && value >= 400 && value < 500 ? value : undefined;
}

/**
 * Whether `error` says the client went away mid-request: our {@link ClientAborted}, or
 * body-parser's `request.aborted` (functions-framework reads bodies with it).
 */
export function isClientAbort(error: unknown): boolean {
  return (
    error instanceof ClientAborted ||
    (typeof error === "object" &&
      error !== null &&
      (error as { type?: unknown }).type === "request.aborted")
  );
}

/**
 * Maps an error to status, headers and body. Named {@link HttpError}s say what was wrong;
 * the 4xx errors of express and body-parser keep their status, with their message only when
 * it is meant for the client (`expose`). Neither is logged: a client's mistake is not ours.
 * Anything else is logged with its context and answered with a 500 that reveals nothing.
 */
export function errorResponse(
  error: unknown,
  log: ErrorLog,
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: { code: error.code, message: error.message, ...error.details } },
    };
  }
  const status = clientStatusOf(error);
  if (status !== undefined) {
    const exposed = (error as { expose?: unknown }).expose === true;
    const message =
      error instanceof URIError
        ? "the path is not valid percent-encoding"
        : exposed
          ? String((error as Error).message)
          : (STATUS_CODES[status] ?? "client error");
    return {
      status,
      headers: {},
      body: { error: { code: CODE_OF_STATUS[status] ?? "client_error", message } },
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

/**
 * Writes {@link errorResponse} to a node or express response. A client that went away
 * ({@link isClientAbort}) gets nothing, since nobody is there to read it: its connection is
 * let go and one line goes to `debug` (when given), without a stack.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  log: ErrorLog,
  debug?: ErrorLog,
): void {
  if (isClientAbort(error)) {
    debug?.("client went away before its request was read", {
      reason: String((error as { cause?: unknown }).cause ?? (error as Error).message),
    });
    res.destroy();
    return;
  }
  const { status, headers, body } = errorResponse(error, log);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

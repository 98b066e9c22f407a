// Named HTTP errors: handlers throw them, and one function (send-error.ts) turns them into responses.

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra fields for the JSON body, e.g. the validation issues. */
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** One problem with a request, located by its JSON path. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** 400: the request is malformed or breaks the schema; `issues` lists every problem. */
export class InvalidRequest extends HttpError {
  constructor(message: string, issues: Issue[] = []) {
    super(400, "invalid_request", message, { details: issues.length ? { issues } : undefined });
  }
}

/** 401: missing or wrong credentials or signature. */
export class Unauthorized extends HttpError {
  constructor(message: string) {
    super(401, "unauthorized", message, { headers: { "www-authenticate": "Bearer" } });
  }
}

/** 403: authenticated but not allowed (e.g. an IP outside the allow-list). */
export class Forbidden extends HttpError {
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}

/** 404: no such source, run or route. */
export class NotFound extends HttpError {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

/** 409: the request conflicts with the resource's state. */
export class Conflict extends HttpError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

/** 413: the body is larger than the limit. */
export class PayloadTooLarge extends HttpError {
  constructor(limitBytes: number, actualBytes?: number) {
    super(
      413,
      "payload_too_large",
      `body is ${actualBytes === undefined ? "larger than" : `${actualBytes} bytes, more than`} the limit of ${limitBytes} bytes`,
    );
  }
}

/** 429: rate limited; Retry-After says when to come back. */
export class TooManyRequests extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "rate_limited", message, { headers: { "retry-after": String(retryAfterSeconds) } });
  }
}

/** 503: a dependency (broker, database, cache) is down; nothing was done, try again. */
export class Unavailable extends HttpError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(503, "unavailable", message, { headers: { "retry-after": "5" }, cause: options.cause });
  }
}

/**
 * The client went away (closed or reset its connection, or the server's request timeout cut it
 * off) before its request was read. Not an HttpError: there is nobody left to answer. Expected
 * on the open internet, so it is logged at debug, once, without a stack.
 */
export class ClientAborted extends Error {
  readonly code = "client_aborted";

  constructor(options: { cause?: unknown } = {}) {
    super("the client went away before its request was read", options);
    this.name = "ClientAborted";
  }
}

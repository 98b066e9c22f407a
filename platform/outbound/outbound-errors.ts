// The two ways an outbound call ends badly: the policy refused it, or the call itself failed.

/**
 * The URL policy refused the call, before or instead of a connection: a scheme, a private
 * or local address (literal, or what the name resolved to), a downgrading redirect.
 * `publicMessage` is safe to show the requester; `message` adds the detail for logs
 * (the host and the range it hit), which may name internal addresses.
 */
export class OutboundRefused extends Error {
  readonly code = "outbound_refused";
  /** Why, without internal detail, e.g. "may not point at a private or local address". */
  readonly reason: string;
  /** E.g. "data url refused: must use https". */
  readonly publicMessage: string;
  constructor(what: string, reason: string, detail: string, options?: { cause?: unknown }) {
    super(`${what} refused: ${reason} (${detail})`, options);
    this.name = "OutboundRefused";
    this.reason = reason;
    this.publicMessage = `${what} refused: ${reason}`;
  }
}

/** What kind of failure: it decides whether a retry may help. */
export type OutboundFailureKind = "network" | "timeout" | "http" | "redirect";

/**
 * The call was allowed but did not succeed: no connection, a timeout, an HTTP error status
 * or a redirect that is not followed. `publicMessage` names the class of the failure only
 * (never a response body, a status line or a resolved address); `message` adds the detail.
 */
export class OutboundFailed extends Error {
  readonly code = "outbound_failed";
  readonly kind: OutboundFailureKind;
  /** The HTTP status, for kinds `http` and `redirect`. */
  readonly status: number | undefined;
  /** Why, without internal detail, e.g. "the server answered with an error (HTTP 5xx)". */
  readonly reason: string;
  /** E.g. "data url: timed out after 30000 ms". */
  readonly publicMessage: string;
  constructor(
    what: string,
    failure: { kind: OutboundFailureKind; reason: string; detail: string; status?: number },
    options?: { cause?: unknown },
  ) {
    super(`${what}: ${failure.reason} (${failure.detail})`, options);
    this.name = "OutboundFailed";
    this.kind = failure.kind;
    this.status = failure.status;
    this.reason = failure.reason;
    this.publicMessage = `${what}: ${failure.reason}`;
  }
}

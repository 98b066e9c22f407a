// The one way we call a URL someone else chose: the URL policy, checked addresses, checked redirects, one deadline.
import { Agent, Headers, type RequestInit, type Response, fetch as undiciFetch } from "undici";
import { checkUrl } from "../url-policy.ts";
import { type ConnectorSeams, checkedConnector, plainConnector } from "./checked-connector.ts";
import { OutboundFailed, OutboundRefused } from "./outbound-errors.ts";

/** How one outbound call may go. */
export interface OutboundPolicy {
  /** What is being called, as the requester knows it: "data url", "callback". Starts every message. */
  readonly what: string;
  /**
   * Local development and tests: http and private addresses allowed. Schemes other than
   * http and https, and credentials in the URL, are refused even then.
   */
  readonly allowInsecure: boolean;
  /** The whole exchange, redirects and body included, must end within this. */
  readonly timeoutMs: number;
  /** Redirects followed, GET and HEAD only; past it (or 0) a 3xx is a failure. */
  readonly maxRedirects: number;
  /** For tests only: name resolution, dialling and TLS trust (see ConnectorSeams). */
  readonly seams?: ConnectorSeams;
}

/** A fetch init without the parts the guard owns: redirects and the dispatcher. */
export type GuardedInit = Omit<RequestInit, "redirect" | "dispatcher">;

/** Fetch's redirect statuses (WHATWG Fetch: "redirect status"). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers a redirect to another origin does not carry on (as fetch itself drops them). */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/**
 * Calls `url` under `policy` and resolves with a 2xx response whose body is for the caller
 * to read (or cancel) before the deadline. Strict mode (allowInsecure false): https only,
 * no localhost or special-purpose address, host names resolved once and EVERY address
 * checked, and the socket connects to the checked address (no second lookup that DNS
 * rebinding could answer differently). Each redirect is checked by the same rules;
 * https to http is refused.
 * @throws {OutboundRefused} when the policy forbids the URL, an address or a redirect;
 *   nothing was sent to a forbidden address.
 * @throws {OutboundFailed} for a network error, a timeout, an HTTP error status or an
 *   unfollowed redirect.
 * @example
 * const response = await guardedFetch(url, {}, { what: "data url", allowInsecure: false,
 *   timeoutMs: 30_000, maxRedirects: 5 });
 */
export async function guardedFetch(
  url: string,
  init: GuardedInit,
  policy: OutboundPolicy,
): Promise<Response> {
  let target = allowed(url, policy);
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const signal = init.signal ? AbortSignal.any([deadline, init.signal]) : deadline;
  const method = (init.method ?? "GET").toUpperCase();
  let headers = new Headers(init.headers ?? undefined);
  const connectorOptions = { what: policy.what, seams: policy.seams };
  const agent = new Agent({
    connect: policy.allowInsecure
      ? plainConnector(connectorOptions)
      : checkedConnector(connectorOptions),
  });
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await undiciFetch(target, {
        ...init,
        headers,
        redirect: "manual",
        signal,
        dispatcher: agent,
      });
      if (!REDIRECTS.has(response.status)) {
        if (!response.ok) {
          await discard(response);
          throw httpFailure(policy.what, target, response.status);
        }
        // Closes once the caller has read the body (or the deadline has cut it off).
        agent.close().catch(() => undefined);
        return response;
      }
      await discard(response);
      const next = redirectTarget(policy, target, response, redirects, method);
      if (next.origin !== target.origin) {
        headers = new Headers(headers);
        for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      }
      target = next;
    }
  } catch (error) {
    agent.destroy().catch(() => undefined);
    throw outboundError(error, policy);
  }
}

/** The URL to call, or the policy's refusal. */
function allowed(url: string | URL, policy: OutboundPolicy): URL {
  const checked = checkUrl(url, policy.allowInsecure);
  if (!checked.ok) throw new OutboundRefused(policy.what, checked.reason, checked.detail);
  return checked.url;
}

/** Where a 3xx leads, if it may be followed at all; checked like the first URL. */
function redirectTarget(
  policy: OutboundPolicy,
  from: URL,
  response: Response,
  redirects: number,
  method: string,
): URL {
  const status = response.status;
  const failure = (reason: string, detail: string) =>
    new OutboundFailed(policy.what, { kind: "redirect", reason, detail, status });
  if (policy.maxRedirects === 0 || (method !== "GET" && method !== "HEAD")) {
    throw failure("the server answered with a redirect, which is not followed", `HTTP ${status}`);
  }
  if (redirects >= policy.maxRedirects) {
    throw failure(`more than ${policy.maxRedirects} redirects`, `HTTP ${status} from ${from.host}`);
  }
  const location = response.headers.get("location");
  let next: URL | undefined;
  try {
    next = location ? new URL(location, from) : undefined;
  } catch {
    next = undefined;
  }
  if (!next) throw failure("the server answered with a redirect to nowhere", `HTTP ${status}`);
  if (from.protocol === "https:" && next.protocol === "http:") {
    throw new OutboundRefused(
      policy.what,
      "may not redirect from https to http",
      `${from.host} redirected to http`,
    );
  }
  const checked = checkUrl(next, policy.allowInsecure);
  if (!checked.ok) {
    throw new OutboundRefused(
      policy.what,
      `redirected to a URL that ${checked.reason}`,
      `${from.host} redirected: ${checked.detail}`,
    );
  }
  return checked.url;
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function httpFailure(what: string, target: URL, status: number): OutboundFailed {
  const kind = `HTTP ${Math.floor(status / 100)}xx`;
  const reason =
    status >= 400 && status < 600
      ? `the server answered with an error (${kind})`
      : `the server answered ${kind}, not a success`;
  return new OutboundFailed(what, {
    kind: "http",
    reason,
    detail: `${target.host} answered HTTP ${status}`,
    status,
  });
}

/** The error codes of a failed TLS handshake, as node:tls and OpenSSL name them. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/;
const NOT_FOUND = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_NONAME"]);

/**
 * Any error of an outbound call (the fetch, or reading its body) as {@link OutboundRefused}
 * or {@link OutboundFailed}: undici wraps a connector's error in "fetch failed", so the
 * cause chain is searched. Use it around reading the body.
 */
export function outboundError(
  error: unknown,
  policy: Pick<OutboundPolicy, "what" | "timeoutMs">,
): OutboundRefused | OutboundFailed {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 8; e = (e as Error)?.cause) chain.push(e);
  const known = chain.find((e) => e instanceof OutboundRefused || e instanceof OutboundFailed);
  if (known) return known as OutboundRefused | OutboundFailed;
  const innermost = chain[chain.length - 1];
  const name = error instanceof Error ? error.name : "";
  const code = chain
    .map((e) => (e as NodeJS.ErrnoException)?.code)
    .find((c): c is string => typeof c === "string");
  const detail = `${code ?? name}: ${innermost instanceof Error ? innermost.message : String(innermost)}`;
  const fail = (kind: "network" | "timeout", reason: string) =>
    new OutboundFailed(policy.what, { kind, reason, detail }, { cause: error });
  if (chain.some((e) => e instanceof Error && e.name === "TimeoutError")) {
    return fail("timeout", `timed out after ${policy.timeoutMs} ms`);
  }
  if (name === "AbortError") return fail("network", "the call was cancelled");
  if (code && NOT_FOUND.has(code)) return fail("network", "the host name was not found");
  if (code && TLS_CODE.test(code)) return fail("network", "the TLS handshake failed");
  return fail("network", "connection failed");
}

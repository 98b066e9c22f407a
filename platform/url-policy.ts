// Which outbound URLs the pipeline may call (data URLs, callbacks), by the URL alone: no DNS.
import { isIP } from "node:net";
import { forbiddenRange } from "./outbound/forbidden-addresses.ts";

/** What every refusal of a private target says; the range it hit goes only to the logs. */
export const PRIVATE_TARGET = "may not point at a private or local address";

/** A URL the policy allows, with its host normalised. */
export interface AllowedUrl {
  readonly ok: true;
  /** The URL to call: the host without a trailing dot. */
  readonly url: URL;
}

/** A URL the policy refuses: `reason` is safe to show the requester, `detail` is for logs. */
export interface RefusedUrl {
  readonly ok: false;
  readonly reason: string;
  readonly detail: string;
}

/**
 * The host as it is checked and called: lower-case (the URL parser already folds case and
 * percent-escapes, and spells v4 as dotted quads), without IPv6 brackets, and without the
 * trailing dot(s) that make `localhost.` a different string but the same host.
 */
export function normaliseHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.+$/, "");
}

/** Why a normalised host may not be called in strict mode, for the logs; undefined when it may. */
export function hostRefusal(host: string): string | undefined {
  if (host === "localhost" || host.endsWith(".localhost")) return "localhost (RFC 6761)";
  return isIP(host) ? forbiddenRange(host) : undefined;
}

/**
 * Checks `url` against the outbound policy. Always: http or https only, and no user name
 * or password (they would end up in logs, and fetch refuses them). Unless `allowInsecure`
 * (local development and tests): https only, and no localhost or special-purpose address
 * literal. Host names are resolved and their addresses checked when they are called
 * (platform/outbound/guarded-fetch.ts); this check is the early, DNS-free part.
 * @example checkUrl("https://127.0.0.1./x", false) // { ok: false, reason: PRIVATE_TARGET, ... }
 */
export function checkUrl(url: string | URL, allowInsecure: boolean): AllowedUrl | RefusedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "not a URL", detail: "the URL does not parse" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, reason: "must use http or https", detail: `scheme ${parsed.protocol}` };
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return {
      ok: false,
      reason: "may not contain a user name or password",
      detail: "credentials in the URL",
    };
  }
  const host = normaliseHost(parsed.hostname);
  if (host === "") return { ok: false, reason: "not a URL", detail: "no host" };
  if (!allowInsecure) {
    if (parsed.protocol !== "https:") {
      return { ok: false, reason: "must use https", detail: `scheme ${parsed.protocol}` };
    }
    const refusal = hostRefusal(host);
    if (refusal) return { ok: false, reason: PRIVATE_TARGET, detail: `host ${host}: ${refusal}` };
  }
  const normalised = new URL(parsed);
  if (!isIP(host)) normalised.hostname = host;
  normalised.hash = "";
  return { ok: true, url: normalised };
}

/**
 * Why `url` may not be called, or undefined when it may: the early check at ingest and in
 * notify, so a bad URL is a 400 before anything runs. See {@link checkUrl}.
 */
export function urlRefusal(url: string, allowInsecure: boolean): string | undefined {
  const checked = checkUrl(url, allowInsecure);
  return checked.ok ? undefined : checked.reason;
}

// Takes credentials out of what people read: URL userinfo, query values, bearer tokens, secret-named fields.

/** What a credential is replaced with. */
export const REDACTED = "***";

/**
 * A scheme, "://" and everything up to white space or a quote: what a URL looks like in a
 * message. It over-reaches on purpose (a closing parenthesis or comma after a URL is taken
 * in): a log line that loses a character is cheaper than one that keeps a password.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*/gi;
/** A path with a query and no scheme, as a request line logs it: `/runs/events?token=...`. */
const PATH_WITH_QUERY = /(^|[\s"'(=,[])(\/[^\s"'<>`?#]*\?[^\s"'<>`]*)/g;
/** `Authorization` values written out in a message. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/g;
/** `password=...` and friends outside a URL, as in a key=value connection string. */
const SECRET_ASSIGNMENT =
  /\b(password|passwd|pwd|secret|token|access_token|api[_-]?key|apikey)=([^\s&"',;]+)/gi;

/**
 * Field names whose values are credentials whatever they hold: headers (authorization,
 * cookie) and anything named like a token, secret or password.
 */
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|password|passwd|api[-_]?key/i;

/**
 * `url` with its userinfo replaced by `***` and every query (and fragment parameter) value by
 * `***`; scheme, host, port, path and parameter names stay, so the line still says where.
 * Works on the text as given, without normalising it: a string that no URL parser accepts is
 * redacted all the same (userinfo is whatever precedes the last `@` of the authority).
 *
 * @example redactUrl("https://user:pw@example.com/cb?token=abc&x=1")
 * // "https://***@example.com/cb?token=***&x=***"
 */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([\s\S]*)$/i.exec(url);
  if (!match) return redactReference(url);
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf("@");
  const host = at === -1 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  return `${scheme}${host}${redactReference(rest)}`;
}

/** A path (or any reference) with its query values, and the values of a `#a=b` fragment, masked. */
function redactReference(reference: string): string {
  const hash = reference.indexOf("#");
  const beforeHash = hash === -1 ? reference : reference.slice(0, hash);
  const fragment = hash === -1 ? "" : reference.slice(hash + 1);
  const question = beforeHash.indexOf("?");
  const path = question === -1 ? beforeHash : beforeHash.slice(0, question);
  const query = question === -1 ? undefined : beforeHash.slice(question + 1);
  return (
    path +
    (query === undefined ? "" : `?${maskParameters(query, true)}`) +
    (hash === -1 ? "" : `#${fragment.includes("=") ? maskParameters(fragment, false) : fragment}`)
  );
}

/** `a=1&b` -> `a=***&***` (a bare query word may itself be a token); `b` stays in a fragment. */
function maskParameters(parameters: string, bareIsValue: boolean): string {
  return parameters
    .split("&")
    .map((part) => {
      if (part === "") return part;
      const eq = part.indexOf("=");
      if (eq === -1) return bareIsValue ? REDACTED : part;
      return `${part.slice(0, eq)}=${REDACTED}`;
    })
    .join("&");
}

/**
 * `text` with every URL-looking substring passed through {@link redactUrl}, queries of bare
 * paths masked, and bearer/basic credentials and `password=`-style assignments replaced:
 * error messages quote URLs, and whoever wrote the message did not think of the log.
 */
export function redactText(text: string): string {
  if (!mayHoldSecret(text)) return text;
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(PATH_WITH_QUERY, (_all, lead: string, path: string) => lead + redactReference(path))
    .replace(AUTH_SCHEME, (_all, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, (_all, name: string) => `${name}=${REDACTED}`);
}

/** A cheap first look: most log text has none of these, and is returned as it is. */
function mayHoldSecret(text: string): boolean {
  return /[?@=]|:\/\/|bearer|basic|token/i.test(text);
}

/** How deep {@link redactValue} looks into nested objects before it cuts the rest off. */
export const DEFAULT_MAX_DEPTH = 8;

/**
 * A copy of `value` fit to show: strings through {@link redactText}, fields whose name says
 * credential (authorization, cookie, *token*, *secret*, *password*) replaced whole, errors
 * as their redacted `String(error)`, anything with `toJSON` (a URL, a Date) by what it
 * serialises to. Objects nested deeper than `maxDepth` become `"[too deep]"`, which also
 * ends cycles. Plain data in, plain data out: the result is what JSON.stringify would keep.
 */
export function redactValue(value: unknown, maxDepth = DEFAULT_MAX_DEPTH): unknown {
  return redactAt(value, maxDepth);
}

/** {@link redactValue} of each field of `fields`. */
export function redactFields(
  fields: Record<string, unknown>,
  maxDepth = DEFAULT_MAX_DEPTH,
): Record<string, unknown> {
  return redactObject(fields, maxDepth);
}

function redactAt(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return String(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redactText(String(value));
  if (depth <= 0) return "[too deep]";
  const serialises = (value as { toJSON?: unknown }).toJSON;
  if (typeof serialises === "function") {
    return redactAt((value as { toJSON(): unknown }).toJSON(), depth - 1);
  }
  if (Array.isArray(value)) return value.map((item) => redactAt(item, depth - 1));
  return redactObject(value as Record<string, unknown>, depth - 1);
}

function redactObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    out[key] =
      SECRET_KEY.test(key) && item !== undefined && item !== null && typeof item !== "boolean"
        ? REDACTED
        : redactAt(item, depth);
  }
  return out;
}

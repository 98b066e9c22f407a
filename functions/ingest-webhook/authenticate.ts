// Webhook authentication per source, always on the raw body: Standard Webhooks, GitHub, token.
import { createHmac } from "node:crypto";
import type { SourceConfig } from "../../platform/config.ts";
import { addressMatcher } from "../../platform/http/client-address.ts";
import { Forbidden, InvalidRequest, Unauthorized } from "../../platform/http/http-errors.ts";
import { sameSecret } from "../../platform/same-secret.ts";

/** What the webhook carried once authenticated. */
export interface Authenticated {
  /** The sender's delivery id (idempotency key), when the scheme has one. */
  readonly webhookId: string | undefined;
  /** The parsed JSON body, with any auth token removed. */
  readonly body: unknown;
}

/** A source's verifier, built once at start (Standard Webhooks decodes its key once). */
export type Verifier = (input: {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  ip: string;
}) => Authenticated;

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString("utf8"));
  } catch (error) {
    throw new InvalidRequest(`body is not valid JSON: ${(error as Error).message}`, [
      { path: "", message: "not valid JSON" },
    ]);
  }
}

/** Standard Webhooks: reject timestamps more than 5 minutes from now, either way. */
const TOLERANCE_SECONDS = 5 * 60;

// Standard Webhooks (spec v1) on node:crypto: HMAC-SHA256 over `${id}.${timestamp}.${body}`
// with the base64-decoded key, any one `v1,` entry of the signature header passing, compared
// in constant time (platform/same-secret.ts). The `standardwebhooks` library signs our callbacks and checks this in
// the tests; its pure-JS SHA-256 was the largest cost on the webhook path.
function standardWebhooks(secret: string): Verifier {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return ({ headers, rawBody }) => {
    const id = headers["webhook-id"];
    const timestamp = headers["webhook-timestamp"];
    const signatures = headers["webhook-signature"];
    if (!id || !timestamp || !signatures) {
      throw new Unauthorized("missing webhook-id, webhook-timestamp or webhook-signature header");
    }
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!(Math.abs(Date.now() / 1000 - seconds) <= TOLERANCE_SECONDS)) {
      throw new Unauthorized("webhook-timestamp is not within 5 minutes of now");
    }
    const expected = createHmac("sha256", key)
      .update(`${id}.${timestamp}.`)
      .update(rawBody)
      .digest();
    const passes = signatures.split(" ").some((entry) => {
      const [version, value] = entry.split(",", 2);
      if (version !== "v1" || !value) return false;
      return sameSecret(Buffer.from(value, "base64"), expected);
    });
    if (!passes) throw new Unauthorized("webhook-signature does not match the body");
    return { webhookId: id, body: parseJson(rawBody) };
  };
}

// GitHub: X-Hub-Signature-256 is sha256=<hex HMAC of the raw body>; no timestamp, so replays
// are caught by the delivery id alone.
function github(secret: string): Verifier {
  return ({ headers, rawBody }) => {
    const given = headers["x-hub-signature-256"];
    if (!given) throw new Unauthorized("missing X-Hub-Signature-256 header");
    const expected = `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
    if (!sameSecret(given, expected))
      throw new Unauthorized("X-Hub-Signature-256 does not match the body");
    return { webhookId: headers["x-github-delivery"], body: parseJson(rawBody) };
  };
}

// TradingView: no signature header, so a shared token travels in the JSON body, optionally
// with an allow-list of addresses and CIDR ranges; the body hash is the idempotency key. `ip`
// is the client address the adapter took from the trusted proxy hop (client-address.ts).
function token(expected: string, allowIps: readonly string[]): Verifier {
  const allowed = addressMatcher(allowIps);
  return ({ rawBody, ip }) => {
    if (allowIps.length && !allowed(ip)) {
      throw new Forbidden(`client address ${ip} is not allowed for this source`);
    }
    const body = parseJson(rawBody);
    const given =
      typeof body === "object" && body !== null ? (body as { token?: unknown }).token : undefined;
    if (typeof given !== "string") throw new Unauthorized("missing token in the body");
    if (!sameSecret(given, expected)) throw new Unauthorized("token does not match");
    const { token: _removed, ...rest } = body as Record<string, unknown>;
    return { webhookId: undefined, body: rest };
  };
}

/** The verifier for one configured source. */
export function verifierFor(source: SourceConfig): Verifier {
  switch (source.auth) {
    case "standard-webhooks":
      return standardWebhooks(source.secret);
    case "github":
      return github(source.secret);
    case "token":
      return token(source.token, source.allowIps);
  }
}

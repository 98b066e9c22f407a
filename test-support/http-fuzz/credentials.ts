// The credentials a fuzzed request carries: right for a share of cases, else wrong in chosen ways.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import type { ByteString } from "./wire-request.ts";

/** The secrets the server under test was started with. */
export interface Secrets {
  /** The `backtest` source's Standard Webhooks secret (`whsec_...`). */
  readonly webhookSecret: string;
  /** The GitHub-style source's HMAC secret. */
  readonly githubSecret: string;
  /** The token source's shared token. */
  readonly token: string;
  /** The api's bearer token. */
  readonly apiToken: string;
  /** The broker ingress's bearer token, when the fuzz reaches the ingress. */
  readonly brokerToken?: string;
}

/** How a route authenticates a caller. */
export type AuthScheme =
  | "standard-webhooks"
  | "github"
  | "token"
  | "bearer"
  /** The run events stream: a bearer header, or `?token=` (EventSource sends no headers). */
  | "bearer-or-query"
  /** The broker ingress: `Authorization: Bearer <broker token>`. */
  | "broker-bearer"
  | "none";

/** Webhook ids and GitHub delivery ids come from a few values, so most valid requests are replays. */
export const DELIVERY_IDS = ["msg_fuzz_1", "msg_fuzz_2", "msg_fuzz_3", "msg_fuzz_4"] as const;

/** What a credential adds to the request: headers, and a change to the body for the token scheme. */
export interface Credential {
  readonly headers: readonly (readonly [ByteString, ByteString])[];
  /** The `?token=` query parameter value, when the credential travels in the query. */
  readonly query?: string;
  /** The body's `token` field, for the token scheme; `undefined` leaves the body alone. */
  readonly bodyToken?: unknown;
}

/** A credential for a body: it is computed last, once the body's bytes are final. */
export type CredentialFor = (secrets: Secrets, body: Uint8Array) => Credential;

/** A wrong value: printable mostly, with control characters now and then (node refuses those). */
const junk = fc.oneof(
  { weight: 9, arbitrary: fc.string({ maxLength: 40 }) },
  fc.string({ unit: "binary-ascii", maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")),
);

function standardSignature(secret: string, id: string, timestamp: string, body: Uint8Array) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  return mac.toString("base64");
}

/** Standard Webhooks: id, timestamp and signature, each right or wrong on its own. */
const standardWebhooks: fc.Arbitrary<CredentialFor> = fc
  .record({
    id: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...DELIVERY_IDS) },
      { weight: 1, arbitrary: junk },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    timestamp: fc.oneof(
      { weight: 6, arbitrary: fc.constant("now" as const) },
      fc.constantFrom("stale" as const, "future" as const, "missing" as const, "fraction" as const),
      junk,
    ),
    signature: fc.oneof(
      { weight: 6, arbitrary: fc.constant("valid" as const) },
      fc.constantFrom(
        "wrong-key" as const,
        "v2" as const,
        "no-comma" as const,
        "valid-among-junk" as const,
        "truncated" as const,
        "missing" as const,
      ),
      junk,
    ),
  })
  .map(({ id, timestamp, signature }) => (secrets: Secrets, body: Uint8Array): Credential => {
    const now = Math.floor(Date.now() / 1000);
    const ts =
      timestamp === "now"
        ? String(now)
        : timestamp === "stale"
          ? String(now - 3600)
          : timestamp === "future"
            ? String(now + 3600)
            : timestamp === "fraction"
              ? `${now}.5`
              : timestamp === "missing"
                ? undefined
                : timestamp;
    const valid = standardSignature(secrets.webhookSecret, id ?? "", ts ?? "", body);
    const headers: [string, string][] = [];
    if (id !== undefined) headers.push(["webhook-id", id]);
    if (ts !== undefined) headers.push(["webhook-timestamp", ts]);
    const signed: Record<string, string | undefined> = {
      valid: `v1,${valid}`,
      "wrong-key": `v1,${standardSignature("whsec_d3JvbmcgZnV6eiBrZXk=", id ?? "", ts ?? "", body)}`,
      v2: `v2,${valid}`,
      "no-comma": `v1${valid}`,
      "valid-among-junk": `v1,AAAA v1a,${valid.slice(1)} v1,${valid}`,
      truncated: `v1,${valid.slice(0, 20)}`,
      missing: undefined,
    };
    const value = signature in signed ? signed[signature] : signature;
    if (value !== undefined) headers.push(["webhook-signature", value]);
    return { headers };
  });

/** GitHub: X-Hub-Signature-256 right or wrong, X-GitHub-Delivery from the pool or absent. */
const github: fc.Arbitrary<CredentialFor> = fc
  .record({
    signature: fc.oneof(
      { weight: 6, arbitrary: fc.constant("valid" as const) },
      fc.constantFrom(
        "wrong" as const,
        "no-prefix" as const,
        "upper" as const,
        "sha1" as const,
        "missing" as const,
      ),
      junk,
    ),
    delivery: fc.option(fc.constantFrom(...DELIVERY_IDS), { freq: 4 }),
  })
  .map(({ signature, delivery }) => (secrets: Secrets, body: Uint8Array): Credential => {
    const hex = createHmac("sha256", secrets.githubSecret).update(body).digest("hex");
    const values: Record<string, string | undefined> = {
      valid: `sha256=${hex}`,
      wrong: `sha256=${hex.replace(/^./, (c) => (c === "0" ? "1" : "0"))}`,
      "no-prefix": hex,
      upper: `sha256=${hex.toUpperCase()}`,
      sha1: `sha1=${hex.slice(0, 40)}`,
      missing: undefined,
    };
    const value = signature in values ? values[signature] : signature;
    const headers: [string, string][] = [];
    if (value !== undefined) headers.push(["X-Hub-Signature-256", value]);
    if (delivery !== null) headers.push(["X-GitHub-Delivery", delivery]);
    return { headers };
  });

/** Token source: the body's `token` right, wrong, of the wrong type, or absent. */
const token: fc.Arbitrary<CredentialFor> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constant("valid" as const) },
    fc.constantFrom("wrong" as const, "number" as const, "missing" as const),
  )
  .map((mode) => (secrets: Secrets): Credential => {
    const values: Record<string, unknown> = {
      valid: secrets.token,
      wrong: `${secrets.token}x`,
      number: 42,
      missing: undefined,
    };
    return { headers: [], bodyToken: values[mode] };
  });

/** Bearer: right, wrong, malformed, another scheme, or absent; in the query for the stream. */
function bearer(
  queryToo: boolean,
  tokenOf: (secrets: Secrets) => string = (s) => s.apiToken,
): fc.Arbitrary<CredentialFor> {
  const modes = [
    "wrong",
    "bare",
    "lower-scheme",
    "double-space",
    "basic",
    "missing",
    "long",
    ...(queryToo ? ["query", "query-wrong"] : []),
  ];
  return fc
    .oneof({ weight: 6, arbitrary: fc.constant("valid") }, fc.constantFrom(...modes), junk)
    .map((mode) => (secrets: Secrets): Credential => {
      const t = tokenOf(secrets);
      const values: Record<string, string | undefined> = {
        valid: `Bearer ${t}`,
        wrong: `Bearer ${t.slice(1)}x`,
        bare: "Bearer",
        "lower-scheme": `bearer ${t}`,
        "double-space": `Bearer  ${t}`,
        basic: `Basic ${Buffer.from(`user:${t}`).toString("base64")}`,
        missing: undefined,
        long: `Bearer ${"x".repeat(4000)}`,
      };
      if (mode === "query") return { headers: [], query: t };
      if (mode === "query-wrong") return { headers: [], query: `${t}x` };
      const value = mode in values ? values[mode] : `Bearer ${mode}`;
      return { headers: value === undefined ? [] : [["Authorization", value]] };
    });
}

const nothing: fc.Arbitrary<CredentialFor> = fc.constant(() => ({ headers: [] }));

/** The credential generator for a scheme. */
export function credentialFor(scheme: AuthScheme): fc.Arbitrary<CredentialFor> {
  switch (scheme) {
    case "standard-webhooks":
      return standardWebhooks;
    case "github":
      return github;
    case "token":
      return token;
    case "bearer":
      return bearer(false);
    case "bearer-or-query":
      return bearer(true);
    case "broker-bearer":
      return bearer(false, (s) => s.brokerToken ?? "no broker token");
    case "none":
      return nothing;
  }
}

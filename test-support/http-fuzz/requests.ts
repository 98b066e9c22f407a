// Whole requests for a server's routes: route, method, target, credential, headers, body, framing.
import fc from "fast-check";
import { type BodyKind, bodyFor } from "./bodies.ts";
import { type AuthScheme, credentialFor, type Secrets } from "./credentials.ts";
import { contentType as contentTypes, noiseHeaders } from "./headers.ts";
import { bentPath, queryString, RUN_IDS, randomPath } from "./paths.ts";
import { type ByteString, type Framing, utf8Bytes, type WireRequest } from "./wire-request.ts";

/** One route of the server under test. `:id` in the path is replaced by a run id. */
export interface Route {
  readonly method: string;
  readonly path: string;
  readonly auth: AuthScheme;
  readonly body: BodyKind;
  /** How often, relative to the other routes, it is picked (default 1). */
  readonly weight?: number;
}

/** Methods: common ones, odd but valid tokens, and ones node's parser refuses. */
const method = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "TRACE",
      "CONNECT",
      "PROPFIND",
      "M-SEARCH",
      "PURGE",
      "QUERY",
      "get",
      "FOO",
      "G3T",
      "",
      "PRI",
    ),
  },
  fc.stringMatching(/^[A-Z!#$%&'*+.^_`|~-]{1,12}$/),
);

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: "length" as const }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.integer({ min: 1, max: 700 }), { maxLength: 4 })
      .map((sizes) => ({ kind: "chunked" as const, sizes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("-1", "1e3", "0x10", "abc", "5, 6", "", " 0", "99999999999999999999", "+5")
      .map((value) => ({ kind: "declared" as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 50 }).map((by) => ({ kind: "short" as const, by })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 50 }).map((by) => ({ kind: "truncated" as const, by })),
  },
);

/** A route's path with `:id` filled in. */
const filled = (path: string) =>
  path.includes(":id")
    ? fc.constantFrom(...RUN_IDS).map((id) => path.replace(":id", id))
    : fc.constant(path);

/** A CloudEvent envelope turned into binary mode: `ce-*` headers, the data as the body. */
function binaryMode(envelope: Record<string, unknown>): {
  headers: [string, string][];
  body: Uint8Array;
  contentType: string | null;
} {
  const headers: [string, string][] = [];
  for (const [k, v] of Object.entries(envelope)) {
    if (k === "data" || k === "data_base64" || k === "datacontenttype") continue;
    headers.push([`ce-${k}`, utf8Bytes(String(v)).replace(/[\r\n]/g, " ")]);
  }
  const data = envelope.data;
  const body = new Uint8Array(Buffer.from(data === undefined ? "" : JSON.stringify(data), "utf8"));
  const type = envelope.datacontenttype;
  return { headers, body, contentType: typeof type === "string" ? type : null };
}

/** Requests against `routes`, most aimed at a route and credentialed for it, the rest anywhere. */
export function requests(routes: readonly Route[], secrets: Secrets): fc.Arbitrary<WireRequest> {
  const route = fc.oneof(
    ...routes.map((r) => ({ weight: r.weight ?? 1, arbitrary: fc.constant(r) })),
    {
      weight: 2,
      arbitrary: randomPath.map(
        (path): Route => ({ method: "GET", path, auth: "none", body: "none" }),
      ),
    },
  );
  return route.chain((r) =>
    fc
      .record({
        path: filled(r.path).chain(bentPath),
        query: queryString,
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constant(r.method) },
          { weight: 1, arbitrary: method },
        ),
        credential: credentialFor(r.auth),
        body: bodyFor(r.body),
        binary: fc.boolean(),
        contentType: contentTypes,
        noise: noiseHeaders,
        framing,
        version: fc.oneof(
          { weight: 20, arbitrary: fc.constant("HTTP/1.1" as const) },
          fc.constant("HTTP/1.0" as const),
        ),
        omitHost: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, fc.constant(true)),
        cuts: fc.oneof(
          { weight: 6, arbitrary: fc.constant([] as number[]) },
          fc.array(fc.nat({ max: 400 }), { maxLength: 3 }),
        ),
      })
      .map((c): WireRequest => {
        let body = c.body.bytes;
        let headers: (readonly [ByteString, ByteString])[] = [];
        let type = c.contentType;
        const envelope = c.body.json as Record<string, unknown> | undefined;
        if (
          r.body === "cloudevent" &&
          c.binary &&
          envelope &&
          typeof envelope === "object" &&
          "specversion" in envelope
        ) {
          const binary = binaryMode(envelope);
          headers = binary.headers;
          body = binary.body;
          type = binary.contentType ?? type;
        } else if (
          r.body === "cloudevent" &&
          envelope &&
          typeof envelope === "object" &&
          "specversion" in envelope
        ) {
          type = "application/cloudevents+json";
        }
        // Computed with the body's final bytes; the token travels inside the body.
        const preliminary = c.credential(secrets, body);
        if (preliminary.bodyToken !== undefined) {
          const json = c.body.json;
          if (json && typeof json === "object" && !Array.isArray(json)) {
            body = new Uint8Array(
              Buffer.from(JSON.stringify({ ...json, token: preliminary.bodyToken }), "utf8"),
            );
          }
        }
        const credential = c.credential(secrets, body);
        headers.push(...credential.headers);
        if (type !== null) headers.push(["Content-Type", type]);
        headers.push(...c.noise);
        let target = `${c.path}${c.query}`;
        if (credential.query !== undefined)
          target += `${c.query ? "&" : "?"}token=${encodeURIComponent(credential.query)}`;
        return {
          method: c.method,
          target,
          version: c.version,
          headers,
          omitHost: c.omitHost,
          body,
          framing: c.framing,
          cuts: c.cuts,
        };
      }),
  );
}

// Header noise: content types, encodings, forwarding chains, odd names and values, huge headers.
import fc from "fast-check";
import type { ByteString } from "./wire-request.ts";

type Header = readonly [ByteString, ByteString];

/** Content-Type values, right for JSON or not; `null` sends none. */
export const contentType: fc.Arbitrary<ByteString | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  { weight: 2, arbitrary: fc.constant(null) },
  fc.constantFrom(
    "application/json; charset=utf-8",
    "application/json; charset=latin9",
    "APPLICATION/JSON",
    "application/json;;",
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "text/plain",
    "text/plain; charset=utf-16",
    "text/plain; charset=nope",
    "application/octet-stream",
    "*/*",
    "",
    ";",
    "application/",
    "x".repeat(3000),
  ),
);

/**
 * Header names: valid tokens, names node refuses, and ones with a meaning to some layer.
 * Content-Length and Transfer-Encoding are the framing's (requests.ts): here they could
 * announce a body that never comes, and the server would rightly wait for it.
 */
const headerName = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/) },
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      "Accept",
      "Host",
      "Accept-Encoding",
      "Content-Encoding",
      "Content-Language",
      "Expect",
      "If-None-Match",
      "If-Modified-Since",
      "Range",
      "Origin",
      "Cookie",
      "Upgrade",
      "Forwarded",
      "X-Forwarded-For",
      "X-Forwarded-Proto",
      "X-Forwarded-Host",
      "X-Real-IP",
      "Traceparent",
      "Tracestate",
      "Baggage",
      "Ce-Id",
      "Ce-Type",
      "Ce-Source",
      "Ce-Specversion",
      "Last-Event-ID",
      "Content-MD5",
      "Authorization",
      "Webhook-Id",
      "Webhook-Timestamp",
      "Webhook-Signature",
    ),
  },
  fc.constantFrom("Bad Name", "Bad:Name", "Ünicode", "", " Leading", "Trailing ", "Tab\tName"),
);

/** Header values: text, obs-text bytes, control characters, and values with a meaning. */
const headerValue = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 60 }) },
  fc.string({ unit: "binary-ascii", maxLength: 60 }),
  fc
    .string({ unit: "binary", maxLength: 30 })
    .map((s) => Buffer.from(s, "utf8").toString("latin1")),
  fc.constantFrom(
    "gzip",
    "deflate",
    "br",
    "identity",
    "gzip, gzip",
    "gzip, chunked",
    "chunked",
    "compress",
    "100-continue",
    "100-Continue",
    "websocket",
    "h2c",
    "bytes=0-10",
    "bytes=99999999-",
    "*",
    '"etag"',
    'W/"x"',
    "for=127.0.0.1;proto=https",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-zzzz-yyyy-01",
    "1.0",
    "0.3",
    "\x00",
    "a\rb",
    "a\nb",
  ),
  fc.integer({ min: 4_000, max: 20_000 }).map((n) => "v".repeat(n)),
);

/** X-Forwarded-For chains: addresses, junk, ports, brackets, very long lists. */
const forwardedFor = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.constantFrom(
          "unknown",
          // The one address the token source `tv-allowed` lets in (routes.ts).
          "203.0.113.7",
          "127.0.0.1",
          "::1",
          "::ffff:127.0.0.1",
          "[::1]:80",
          "1.2.3.4:5678",
          "256.1.1.1",
          "10.0.0.1/8",
          "",
          " ",
          "_hidden",
          "fe80::1%eth0",
        ),
        fc.string({ maxLength: 20 }),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => parts.join(", ")),
  fc.integer({ min: 100, max: 2_000 }).map((n) => Array(n).fill("10.0.0.1").join(",")),
);

/** Zero to a few extra headers; now and then a forwarding chain or a duplicate of a known one. */
export const noiseHeaders: fc.Arbitrary<readonly Header[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(headerName, headerValue) },
      { weight: 1, arbitrary: forwardedFor.map((v): Header => ["X-Forwarded-For", v]) },
    ),
    { minLength: 1, maxLength: 4 },
  ),
);

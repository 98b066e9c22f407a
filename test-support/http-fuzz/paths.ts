// Request targets: the routes a server has, bent in the ways a path can be, and query strings.
import fc from "fast-check";
import { deriveRunId } from "../../events/index.ts";
import { DELIVERY_IDS } from "./credentials.ts";
import { type ByteString, utf8Bytes } from "./wire-request.ts";

/** Run ids that exist once a valid request with a pooled delivery id was accepted, and ones that never do. */
export const RUN_IDS: readonly string[] = [
  ...DELIVERY_IDS.map((id) => deriveRunId("backtest", `id:${id}`)),
  "run_aaaaaaaaaaaaaaaaaaaaaaaaaa",
  "run_",
  "run_AAAAAAAAAAAAAAAAAAAAAAAAAA",
];

/** A segment: plain, percent-encoded (valid or not), unicode, dots, long, or empty. */
const segment: fc.Arbitrary<ByteString> = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "%zz",
      "%",
      "%2",
      "%00",
      "%2F",
      "%2e%2e",
      "%u2215",
      "%C0%AF",
      "%FF",
      "%25",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ".",
      "..",
      "",
      "...",
      "~",
      "@",
      ":",
      ";a=b",
      "*",
      "'",
      "!",
      "$",
      "(",
      ")",
      "+",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).map(encodeURIComponent),
  },
  // Raw bytes over 0x7f, or a space: node's parser refuses them in a request-target.
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).map(utf8Bytes),
  fc.integer({ min: 200, max: 9000 }).map((n) => "a".repeat(n)),
);

/** One change to a path. */
const bend: fc.Arbitrary<(path: string) => string> = fc.oneof(
  fc.constant((p: string) => `${p}/`),
  fc.constant((p: string) => p.replace(/^\//, "//")),
  fc.constant((p: string) => p.replace(/\//g, "//")),
  fc.constant((p: string) => `${p}/..`),
  fc.constant((p: string) => `/.${p}`),
  fc.constant((p: string) => `/x/..${p}`),
  fc.constant((p: string) => p.toUpperCase()),
  fc.constant((p: string) => `${p}#frag`),
  fc.constant((p: string) => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)),
  fc.constant((p: string) => p.replace(/\/([^/]*)$/, "/%2F$1")),
  segment.map((s) => (p: string) => `${p}/${s}`),
  segment.map((s) => (p: string) => `${p}${s}`),
  segment.map((s) => (p: string) => {
    const parts = p.split("/");
    parts[Math.min(parts.length - 1, 1 + (s.length % Math.max(1, parts.length - 1)))] = s;
    return parts.join("/");
  }),
);

/** A path of random segments, unrelated to any route. */
export const randomPath: fc.Arbitrary<string> = fc
  .array(segment, { minLength: 0, maxLength: 5 })
  .map((parts) => `/${parts.join("/")}`);

/** `path` unchanged (most often) or bent by one to three changes. */
export function bentPath(path: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(path) },
    {
      weight: 2,
      arbitrary: fc
        .array(bend, { minLength: 1, maxLength: 3 })
        .map((bends) => bends.reduce((p, b) => b(p), path)),
    },
  );
}

const queryKey = fc.oneof(
  fc.constantFrom(
    "limit",
    "offset",
    "status",
    "sort",
    "order",
    "token",
    "a[]",
    "a[b]",
    "a[0][b]",
    "__proto__",
    "__proto__[x]",
    "constructor[prototype][x]",
    "toString",
    "",
  ),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/),
  fc.string({ unit: "grapheme", maxLength: 6 }).map(encodeURIComponent),
);

const queryValue = fc.oneof(
  fc.constantFrom(
    "",
    "1",
    "0",
    "-1",
    "1000",
    "1001",
    "1e3",
    "0x10",
    "NaN",
    "Infinity",
    "9007199254740993",
    "running",
    "succeeded",
    "asc",
    "desc",
    "sharpeRatio",
    "%zz",
    "%",
    "%00",
    "a%20b",
  ),
  fc.integer().map(String),
  fc.stringMatching(/^[A-Za-z0-9_.~-]{0,12}$/),
  fc.string({ unit: "grapheme", maxLength: 8 }).map(encodeURIComponent),
  fc.integer({ min: 1000, max: 6000 }).map((n) => "9".repeat(n)),
);

/** `?k=v&...`, sometimes with a key alone, repeated keys, or nothing but `?`. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.constantFrom("?", "?&", "?=", "?&&=&", "??a=1") },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(queryKey, fc.option(queryValue, { freq: 6 })), {
        minLength: 1,
        maxLength: 6,
      })
      .map((pairs) => `?${pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join("&")}`),
  },
);

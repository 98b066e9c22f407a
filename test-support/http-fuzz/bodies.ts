// Request bodies: random bytes and JSON, backtest requests valid or mutated, CloudEvents, forms.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { EVENTS, shardProgress } from "../../events/index.ts";
import { RUN_IDS } from "./paths.ts";

/** What a route's body usually is; every route also gets the other kinds now and then. */
export type BodyKind = "request" | "cloudevent" | "none";

/**
 * A valid request small enough that its run is one short Job: one combination on a few
 * hundred synthetic bars. A few seeds only, so most accepted bodies repeat an earlier one.
 */
export const MINIMAL_REQUEST = {
  strategy: "sma-crossover",
  params: { fast: 5, slow: 30 },
  data: { synthetic: { bars: 300, seed: 1 } },
  shards: 1,
} as const;

const EXAMPLES = ["sma-sweep.json", "path-sweep.json"].map(
  (name) =>
    JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), "utf8")) as unknown,
);

const minimal = fc
  .integer({ min: 1, max: 3 })
  .map((seed) => ({ ...MINIMAL_REQUEST, data: { synthetic: { bars: 300, seed } } }));

/** Values a mutation puts in place of a field. */
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -0,
    "",
    "sma-crossover",
    "donchian-breakout",
    "nope",
    "\u0000",
    "\ud800",
    "https://example.invalid/bars.csv",
    "http://127.0.0.1:9/x",
    "file:///etc/passwd",
    "../../etc/passwd",
    "sample-daily.csv",
    [],
    {},
    { from: 1, to: 3, step: 1 },
    { from: 3, to: 1, step: 0 },
    { from: 1, to: 1e9, step: 1 },
    [1, 2, 3],
    { synthetic: { bars: 2, seed: 0 } },
    { csv: "time,open,high,low,close,volume\n1,1,1,1,1,1\n" },
    { path: "sample-daily.csv" },
    { url: "https://example.invalid/bars.csv" },
  ),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
);

type Json = unknown;

/** Every path to a value inside `value`, the root included. */
function paths(value: Json, at: readonly (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [[...at]];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...at, i]));
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

/** `value` with the thing at `path` set to `to` (or removed when `to` is `remove`). */
function setAt(value: Json, path: readonly (string | number)[], to: Json, remove: boolean): Json {
  if (path.length === 0) return remove ? {} : to;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (remove && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = setAt(copy[Number(head)], rest, to, remove);
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  if (remove && rest.length === 0) delete copy[head];
  else copy[head] = setAt(copy[head], rest, to, remove);
  return copy;
}

/** One change to a request: a field replaced, removed, or a new field added. */
const mutation = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom("replace", "remove", "add"),
  key: fc.constantFrom(
    "extra",
    "__proto__",
    "constructor",
    "token",
    "label",
    "callbackUrl",
    "mode",
  ),
  value: replacement,
});

/** A valid request (the minimal one or an example) with one to four mutations. */
const mutatedRequest = fc
  .tuple(
    fc.oneof(minimal, fc.constantFrom(...EXAMPLES)),
    fc.array(mutation, { minLength: 1, maxLength: 4 }),
  )
  .map(([base, mutations]) =>
    mutations.reduce<Json>((value, m) => {
      const all = paths(value);
      const path = all[m.pick % all.length];
      if (m.kind === "add") {
        const target = path.reduce<Json>((v, k) => (v as Record<string, Json>)?.[k], value);
        if (!target || typeof target !== "object" || Array.isArray(target)) return value;
        return setAt(value, [...path, m.key], m.value, false);
      }
      return setAt(value, path, m.value, m.kind === "remove");
    }, base),
  );

const EVENT_TYPES = Object.keys(EVENTS);

/** Event data: random, or shaped like ours with a run id that may exist. */
const eventData = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    runId: fc.constantFrom(...RUN_IDS),
    shard: fc.record({
      index: fc.integer({ min: -1, max: 3 }),
      count: fc.integer({ min: 0, max: 3 }),
    }),
    combinations: fc.integer({ min: -1, max: 10 }),
  }),
);

/** A structured-mode CloudEvent envelope, partly wrong. */
const oddCloudEvent = fc.record(
  {
    specversion: fc.constantFrom("1.0", "0.3", "2.0", 1),
    id: fc.oneof(fc.uuid(), fc.constant(""), fc.string({ maxLength: 10 })),
    source: fc.constantFrom("/zixly/fuzz", "", "not a uri ref %zz", "https://example.invalid/x"),
    type: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string({ maxLength: 30 })),
    time: fc.constantFrom("2020-01-01T00:00:00Z", "yesterday", ""),
    datacontenttype: fc.constantFrom("application/json", "text/plain", "application/xml"),
    data: eventData,
    data_base64: fc.base64String({ maxLength: 40 }),
    traceparent: fc.constantFrom("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "junk"),
  },
  { requiredKeys: ["specversion", "id", "source", "type"] },
);

/** A valid progress event of a run that may exist: what gets past the ingress's checks. */
const progressEvent = fc.record({
  specversion: fc.constant("1.0"),
  id: fc.uuid(),
  source: fc.constant("/zixly/fuzz"),
  type: fc.constant(shardProgress.type),
  datacontenttype: fc.constant("application/json"),
  data: fc.record({
    runId: fc.constantFrom(...RUN_IDS.slice(0, 4)),
    shard: fc.constant({ index: 0, count: 1 }),
    done: fc.integer({ min: 0, max: 3 }),
    total: fc.constant(3),
  }),
});

/** A structured-mode CloudEvent envelope, right or partly wrong. */
const cloudEvent = fc.oneof(oddCloudEvent, progressEvent);

const text = (value: Json) => new Uint8Array(Buffer.from(JSON.stringify(value) ?? "null", "utf8"));

/**
 * A body: what the route takes most often, and any other kind besides. The value is parsed
 * JSON when there is one (the token credential adds its field to it), else raw bytes.
 */
export function bodyFor(kind: BodyKind): fc.Arbitrary<{ json?: Json; bytes: Uint8Array }> {
  const json = (arb: fc.Arbitrary<Json>) =>
    arb.map((value) => ({ json: value, bytes: text(value) }));
  const raw = (arb: fc.Arbitrary<Uint8Array>) => arb.map((bytes) => ({ bytes }));
  const any = [
    { weight: 3, arbitrary: raw(fc.constant(new Uint8Array(0))) },
    { weight: 2, arbitrary: raw(fc.uint8Array({ maxLength: 2_000 })) },
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 4 })) },
    {
      weight: 1,
      arbitrary: raw(
        fc
          .string({ unit: "grapheme", maxLength: 200 })
          .map((s) => new Uint8Array(Buffer.from(s, "utf8"))),
      ),
    },
    {
      weight: 1,
      arbitrary: raw(
        fc
          .constantFrom(
            "a=1&b[]=2&__proto__[x]=1",
            "{",
            '{"a":',
            "[]",
            "null",
            '"str"',
            "\ufeff{}",
            "--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--xyz--",
          )
          .map((s) => new Uint8Array(Buffer.from(s, "utf8"))),
      ),
    },
    {
      weight: 1,
      // Over the body limits the servers are started with.
      arbitrary: raw(
        fc.integer({ min: 9_000, max: 70_000 }).map((n) => new Uint8Array(n).fill(0x7b)),
      ),
    },
  ];
  const own =
    kind === "request"
      ? [
          { weight: 5, arbitrary: json(minimal) },
          { weight: 8, arbitrary: json(mutatedRequest) },
        ]
      : kind === "cloudevent"
        ? [{ weight: 12, arbitrary: json(cloudEvent) }]
        : [];
  return fc.oneof(...own, ...any);
}

// Malformed strategy definitions through the real HTTP ingest path: a 400 naming each path, never a 5xx.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BacktestRequested, backtestRequested } from "../../events/index.ts";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { verifierFor } from "./authenticate.ts";
import type { IngestDeps } from "./handler.ts";
import { INGEST_WEBHOOK, registerIngestWebhook } from "./register.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Room for the 100,000-level body (800 kB); the default limit would answer it 413. */
const MAX_BODY = 1024 * 1024;

type Json = unknown;
type Definition = Record<string, Json>;

/** A valid definition that each case breaks in one place. */
const VALID: Definition = {
  name: "table-test",
  parameters: { fast: { integer: true, min: 1 }, slow: { integer: true, min: 2 } },
  constraints: [{ left: "fast", op: "<", right: "slow" }],
  series: {
    fastMa: { sma: { period: { param: "fast" } } },
    slowMa: { sma: { period: { param: "slow" } } },
  },
  entry: { long: { crossesAbove: ["fastMa", "slowMa"] } },
};
const PARAMS = { fast: [5, 10], slow: 20 };
const DATA = { synthetic: { bars: 300, seed: 1 } };

const with_ = (over: Definition): Definition => ({ ...VALID, ...over });
const long = (cond: Json): Definition => with_({ entry: { long: cond } });
const fastMa = (expr: Json): Definition =>
  with_({ series: { ...(VALID.series as object), fastMa: expr } });
const cmp: Json = { "<": ["close", "fastMa"] };
/** `cond` inside `levels` nested `not`s. */
const nots = (levels: number, cond: Json = cmp): Json => {
  let node = cond;
  for (let k = 0; k < levels; k++) node = { not: node };
  return node;
};
const names = (n: number, prefix: string) => Array.from({ length: n }, (_, k) => `${prefix}${k}`);

/** [case, request body (or its text), a path the 400 must name, what it must say there]. */
type Case = [string, () => Json, string, RegExp];

const cases: Case[] = [
  // Unknown keys and kinds.
  [
    "unknown key in a condition",
    () => long({ crossesAbov: ["fastMa", "slowMa"] }),
    "strategy.entry.long",
    /unknown key "crossesAbov"/,
  ],
  [
    "unknown key in a series",
    () => fastMa({ smaa: { period: 5 } }),
    "strategy.series.fastMa",
    /unknown key "smaa"/,
  ],
  ["unknown top-level key", () => with_({ exits: {} }), "strategy", /unknown key "exits"/],
  [
    "unknown key inside an indicator",
    () => fastMa({ sma: { period: 5, source: "volume" } }),
    "strategy.series.fastMa.sma",
    /unknown key "source"/,
  ],
  [
    "two kinds in one condition",
    () => long({ crossesAbove: ["fastMa", "slowMa"], "<": ["close", 1] }),
    "strategy.entry.long",
    /exactly one of .*crossesAbove and </,
  ],
  [
    "two kinds in one series",
    () => fastMa({ sma: { period: 5 }, ema: { period: 5 } }),
    "strategy.series.fastMa",
    /exactly one of/,
  ],
  ["an empty condition", () => long({}), "strategy.entry.long", /needs one of/],
  // Numbers where they do not fit.
  ["period 0", () => fastMa({ sma: { period: 0 } }), "strategy.series.fastMa.sma.period", /period/],
  [
    "fractional period",
    () => fastMa({ ema: { period: 2.5 } }),
    "strategy.series.fastMa.ema.period",
    /period/,
  ],
  [
    "negative ATR period in a stop",
    () => with_({ stopLoss: { atr: -14, multiple: 2 } }),
    "strategy.stopLoss.atr",
    /period/,
  ],
  [
    "stop-loss of 100 %",
    () => with_({ stopLoss: { percent: 100 } }),
    "strategy.stopLoss.percent",
    /stop-loss/,
  ],
  ["size above 1", () => with_({ size: 1.5 }), "strategy.size", /size/],
  ["size 0", () => with_({ size: 0 }), "strategy.size", /size/],
  [
    "ATR level without its multiple",
    () => with_({ takeProfit: { atr: 14 } }),
    "strategy.takeProfit.multiple",
    /multiple/,
  ],
  [
    "MACD histogram without its signal",
    () => fastMa({ macd: { fast: 12, slow: 26, line: "histogram" } }),
    "strategy.series.fastMa.macd.signal",
    /signal/,
  ],
  [
    "unknown band",
    () => fastMa({ bollinger: { period: 20, stdDev: 2, band: "top" } }),
    "strategy.series.fastMa.bollinger.band",
    /upper|middle|lower/,
  ],
  // Names.
  [
    "undeclared parameter",
    () => fastMa({ sma: { period: { param: "fsat" } } }),
    "strategy.series.fastMa.sma.period.param",
    /"fsat" is not a declared parameter/,
  ],
  [
    "parameter declared and never used",
    () => with_({ parameters: { ...(VALID.parameters as object), unused: {} } }),
    "strategy.parameters.unused",
    /used nowhere/,
  ],
  [
    "parameter name that is not an identifier",
    () => with_({ parameters: { ...(VALID.parameters as object), "1st": {} } }),
    "strategy.parameters.1st",
    // zod words a bad record key "Invalid key in record"; the engine may say more.
    /names are letters|invalid key/i,
  ],
  [
    "constraint on an undeclared parameter",
    () => with_({ constraints: [{ left: "fast", op: "<", right: "slowest" }] }),
    "strategy.constraints.0.right",
    /"slowest" is not a declared parameter/,
  ],
  [
    "constraint with an unknown operator",
    () => with_({ constraints: [{ left: "fast", op: "!=", right: "slow" }] }),
    "strategy.constraints.0.op",
    /./,
  ],
  [
    "unknown series",
    () => long({ crossesAbove: ["fastMa", "slowMaa"] }),
    "strategy.entry.long.crossesAbove.1",
    /"slowMaa" is neither a price field/,
  ],
  [
    "forward reference between series",
    () => with_({ series: { a: "b", b: { sma: { period: 5 } } }, parameters: {}, constraints: [] }),
    "strategy.series.a",
    /"b" is neither a price field/,
  ],
  [
    "cycle between series",
    () =>
      with_({
        series: { a: { previous: "b" }, b: { previous: "a" } },
        parameters: {},
        constraints: [],
        entry: { long: { ">": ["a", "b"] } },
      }),
    "strategy.series.a.previous",
    /"b" is neither a price field/,
  ],
  [
    "a series that names itself",
    () =>
      with_({
        series: { a: "a" },
        parameters: {},
        constraints: [],
        entry: { long: { ">": ["close", "a"] } },
      }),
    "strategy.series.a",
    /"a" is neither a price field/,
  ],
  // Sizes and limits.
  [
    "13 levels of conditions",
    () => long(nots(12)),
    `strategy.entry.long${".not".repeat(12)}`,
    /nested deeper than 12 levels/,
  ],
  [
    "45 JSON levels, within what events lets through",
    () => long(nots(43)),
    "strategy",
    /nested deeper than 12 levels/,
  ],
  [
    // Written as text: JSON.stringify itself recurses, and would overflow in the test.
    "100,000 levels of `not` (800 kB of JSON)",
    () =>
      `{"strategy":{"entry":{"long":${'{"not":'.repeat(100_000)}{"<":["close",1]}${"}".repeat(100_000)}}},"params":{"fast":5},"data":${JSON.stringify(DATA)}}`,
    "strategy",
    /nested deeper than 64 levels/,
  ],
  [
    "100,000 levels of arrays",
    () =>
      `{"strategy":{"entry":{"long":{"and":${"[".repeat(100_000)}${"]".repeat(100_000)}}}},"params":{"fast":5},"data":${JSON.stringify(DATA)}}`,
    "strategy",
    /nested deeper than 64 levels/,
  ],
  [
    "more than 200 nodes",
    () => long({ or: Array.from({ length: 16 }, () => ({ and: Array(15).fill(cmp) })) }),
    "strategy",
    /nodes, more than 200/,
  ],
  [
    "more than 4096 JSON values",
    () => with_({ description: "x", series: { big: Array(5000).fill(1) } }),
    "strategy",
    /more than 4096 JSON values/,
  ],
  [
    "more than 48 KiB of JSON",
    () => with_({ description: "x".repeat(50_000) }),
    "strategy",
    /bytes as JSON, more than 49152/,
  ],
  [
    "17 parameters",
    () => with_({ parameters: Object.fromEntries(names(17, "p").map((n) => [n, {}])) }),
    "strategy.parameters",
    /at most 16 parameters/,
  ],
  [
    "17 constraints",
    () => with_({ constraints: Array(17).fill({ left: "fast", op: "<", right: "slow" }) }),
    "strategy.constraints",
    /./,
  ],
  [
    "33 named series",
    () =>
      with_({
        series: Object.fromEntries(names(33, "s").map((n) => [n, { sma: { period: 5 } }])),
      }),
    "strategy.series",
    /at most 32 named series/,
  ],
  [
    "17 operands of `and`",
    () => long({ and: Array(17).fill(cmp) }),
    "strategy.entry.long.and",
    /at most 16 conditions/,
  ],
  [
    "a period of 10,001 bars",
    () => fastMa({ sma: { period: 10_001 } }),
    "strategy.series.fastMa.sma.period",
    /period/,
  ],
  [
    "`previous` 20,000 bars back",
    () => long({ "<": ["close", { previous: "close", bars: 20_000 }] }),
    "strategy.entry.long.<.1.bars",
    /bar count/,
  ],
  [
    "`heldFor` 10,001 bars",
    () => long({ heldFor: { bars: 10_001, condition: cmp } }),
    "strategy.entry.long.heldFor.bars",
    /bar count/,
  ],
  [
    "a parameter's period past 10,000 in the grid",
    () => ({
      strategy: with_({
        parameters: { fast: { integer: true, min: 1 }, slow: { integer: true, max: 50_000 } },
      }),
      params: { fast: 5, slow: 20_000 },
      data: DATA,
    }),
    "params.slow",
    /10000/,
  ],
  // Wrong types everywhere.
  ["strategy a number", () => 42, "strategy", /strategy name or a definition object/],
  ["strategy null", () => null, "strategy", /strategy name or a definition object/],
  ["strategy an array", () => [VALID], "strategy", /strategy name or a definition object/],
  ["name a number", () => with_({ name: 5 }), "strategy.name", /./],
  [
    "name Postgres cannot store",
    () => with_({ name: "bad\u0000name" }),
    "strategy.name",
    /U\+0000/,
  ],
  [
    "a key Postgres cannot store",
    () => with_({ series: { "a\ud800": 1 } }),
    "strategy.series.a\\ud800",
    /lone surrogate/,
  ],
  [
    "period a string",
    () => fastMa({ sma: { period: "5" } }),
    "strategy.series.fastMa.sma.period",
    /expected a number or \{"param": name\}/,
  ],
  ["series a boolean", () => fastMa(true), "strategy.series.fastMa", /expected a series/],
  ["series null", () => fastMa(null), "strategy.series.fastMa", /expected a series/],
  ["comparison with one operand", () => long({ "<": ["close"] }), "strategy.entry.long.<", /./],
  [
    "`and` of one condition",
    () => long({ and: [cmp] }),
    "strategy.entry.long.and",
    /needs at least 2 conditions/,
  ],
  ["`not` of a series", () => long({ not: "close" }), "strategy.entry.long.not", /./],
  ["size a string", () => with_({ size: "half" }), "strategy.size", /./],
  [
    "integer a string",
    () => with_({ parameters: { fast: { integer: "yes" } } }),
    "strategy.parameters.fast.integer",
    /./,
  ],
  // Arrays where objects go.
  ["entry an array", () => with_({ entry: [cmp] }), "strategy.entry", /./],
  ["entry.long an array", () => long([cmp]), "strategy.entry.long", /./],
  ["series an array", () => with_({ series: [{ sma: { period: 5 } }] }), "strategy.series", /./],
  ["parameters an array", () => with_({ parameters: [] }), "strategy.parameters", /./],
  ["constraints an object", () => with_({ constraints: {} }), "strategy.constraints", /./],
  ["heldFor an array", () => long({ heldFor: [3, cmp] }), "strategy.entry.long.heldFor", /./],
  // Empty and missing parts.
  ["empty entry", () => with_({ entry: {} }), "strategy.entry", /give long, short or both/],
  ["no entry", () => ({ ...VALID, entry: undefined }), "strategy.entry", /./],
  ["empty definition", () => ({}), "strategy.entry", /./],
];

/** The request a case sends: its body, or the valid request with its strategy in place. */
function requestOf(made: Json): Json {
  if (typeof made === "string") return made;
  const isRequest = typeof made === "object" && made !== null && "params" in made;
  return isRequest ? made : { strategy: made, params: PARAMS, data: DATA };
}

let publisher: RecordingPublisher;
let server: Listening;

beforeAll(async () => {
  registerIngestWebhook(
    async (): Promise<IngestDeps> => ({
      sources: new Map([["backtest", verifierFor({ auth: "standard-webhooks", secret: SECRET })]]),
      replay: new MemoryReplayGuard(),
      rate: new MemoryRateLimiter(),
      publisher,
      log: silentLogger(),
      limits: {
        maxBodyBytes: MAX_BODY,
        maxCombinations: 1000,
        ratePerMinute: 10_000,
        replayTtlSeconds: 3600,
        allowInsecureUrls: false,
      },
      publicUrl: "https://api.example.com",
    }),
  );
  server = await listen(getTestServer(INGEST_WEBHOOK));
});
afterAll(() => server?.close());

beforeEach(() => {
  publisher = new RecordingPublisher();
});

let sent = 0;
/** Posts `body` signed, as the front server passes it on (raw bytes), and reads the answer. */
async function post(body: string) {
  const id = `msg_definition_${++sent}`;
  const now = new Date();
  const response = await fetch(`${server.url}/webhooks/backtest`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": new Webhook(SECRET).sign(id, now, body),
    },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("strategy definitions at ingest", () => {
  it("accepts a valid definition and carries it, keys in order, in the requested event", async () => {
    const { status, json } = await post(JSON.stringify(requestOf(VALID)));
    expect({ status, json }).toMatchObject({ status: 202, json: { runId: expect.any(String) } });
    const data = publisher.events[0].data as BacktestRequested;
    expect(publisher.events[0].type).toBe(backtestRequested.type);
    expect(data.combinations).toBe(2);
    expect(JSON.stringify(data.request.strategy)).toBe(JSON.stringify(VALID));
  });

  it.each(cases)("%s: a 400 naming the path", async (_name, make, path, message) => {
    const made = requestOf(make());
    const body = typeof made === "string" ? made : JSON.stringify(made);
    const { status, json } = await post(body);
    const error = json.error as { code: string; message: string; issues?: Issue[] };
    expect({ status, code: error?.code }, JSON.stringify(json).slice(0, 2000)).toEqual({
      status: 400,
      code: "invalid_request",
    });
    const at = (error.issues ?? []).filter((i) => i.path === path);
    expect(at.map((i) => i.message).join(" | "), JSON.stringify(error.issues)).toMatch(message);
    expect(error.message.length).toBeLessThan(20_000);
    expect(publisher.events).toHaveLength(0);
  });
});

interface Issue {
  readonly path: string;
  readonly message: string;
}

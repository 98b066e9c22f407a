// The fuzz harness itself: it sends the bytes it means to, judges answers right, and finds planted bugs.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type Listening, listen } from "../../functions/test-support/listen.ts";
import { fuzz } from "./fuzz-run.ts";
import { type Exchange, exchange } from "./raw-exchange.ts";
import { requests } from "./requests.ts";
import { API_ROUTES, newSecrets, WEBHOOK_ROUTES } from "./routes.ts";
import { verdict } from "./verdict.ts";
import { encode, type WireRequest } from "./wire-request.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Listens with `handler` and returns the port. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  server = await listen(createServer(handler));
  return Number(new URL(server.url).port);
}

const GET: WireRequest = {
  method: "GET",
  target: "/x",
  version: "HTTP/1.1",
  headers: [],
  omitHost: false,
  body: new Uint8Array(0),
  framing: { kind: "length" },
  cuts: [],
};

describe("encode and exchange", () => {
  it("deliver method, target and body byte for byte, whole, chunked or cut into pieces", async () => {
    const seen: { method?: string; url?: string; body: Buffer }[] = [];
    const port = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, body: Buffer.concat(chunks) });
        res.end("ok");
      });
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        fc.stringMatching(/^\/[a-z0-9/%._~-]{0,30}$/),
        fc.uint8Array({ maxLength: 3_000 }),
        fc.oneof(
          fc.constant({ kind: "length" as const }),
          fc
            .array(fc.integer({ min: 1, max: 500 }))
            .map((sizes) => ({ kind: "chunked" as const, sizes })),
        ),
        fc.array(fc.nat({ max: 3_100 }), { maxLength: 3 }),
        async (method, target, body, framing, cuts) => {
          seen.length = 0;
          const request = { ...GET, method, target, body, framing, cuts };
          const answer = await exchange(encode(request, "127.0.0.1"), {
            port,
            cuts,
            timeoutMs: 3_000,
          });
          expect(answer.kind === "response" && answer.status).toBe(200);
          expect(seen).toEqual([{ method, url: target, body: Buffer.from(body) }]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("skip an interim 100 Continue and report the final status and body", async () => {
    const port = await serve((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(201, { "content-type": "text/plain" }).end("made"));
    });
    const request: WireRequest = {
      ...GET,
      method: "POST",
      headers: [["Expect", "100-continue"]],
      body: new Uint8Array([1, 2]),
    };
    const answer = await exchange(encode(request, "h"), { port, timeoutMs: 3_000 });
    expect(answer.kind === "response" && [answer.status, answer.body.toString()]).toEqual([
      201,
      "made",
    ]);
  });
});

describe("verdict", () => {
  const response = (status: number, body = ""): Exchange => ({
    kind: "response",
    status,
    head: `HTTP/1.1 ${status} X`,
    body: Buffer.from(body),
    ms: 1,
  });

  it("accepts statuses under 500 and refuses 500, 503 and anything else above", () => {
    for (const status of [200, 202, 304, 400, 401, 404, 413, 431, 499])
      expect(verdict(GET, response(status))).toBeUndefined();
    for (const status of [500, 502, 503, 504])
      expect(verdict(GET, response(status))).toMatch(`answered ${status}`);
  });

  it("refuses a 4xx that shows a stack trace, plain, JSON-escaped or as express's HTML page", () => {
    expect(verdict(GET, response(400, "Error: x\n    at f (a.js:1:1)"))).toMatch(/stack trace/);
    expect(verdict(GET, response(400, '{"e":"Error\\n    at f"}'))).toMatch(/stack trace/);
    expect(verdict(GET, response(400, "<pre>E<br> &nbsp; &nbsp;at f"))).toMatch(/stack trace/);
    expect(verdict(GET, response(400, '{"error":{"code":"invalid_request"}}'))).toBeUndefined();
  });

  it("refuses a hang, a cut-off head and a silent close, except CONNECT and a half-closed body", () => {
    expect(verdict(GET, { kind: "timeout", received: "", ms: 5_000 })).toMatch(
      /no complete answer/,
    );
    expect(verdict(GET, { kind: "cut", received: "HTTP/1.1 2", ms: 1 })).toMatch(/middle/);
    expect(verdict(GET, { kind: "closed", ms: 1 })).toMatch(/without an answer/);
    expect(verdict(GET, { kind: "reset", code: "ECONNRESET", ms: 1 })).toMatch(/ECONNRESET/);
    expect(verdict({ ...GET, method: "CONNECT" }, { kind: "closed", ms: 1 })).toBeUndefined();
    const truncated = { ...GET, framing: { kind: "truncated" as const, by: 3 } };
    expect(verdict(truncated, { kind: "closed", ms: 1 })).toBeUndefined();
  });
});

describe("fuzz", () => {
  const secrets = newSecrets();

  it("finds a planted 500 on one route and shrinks it to a request on that route", async () => {
    const port = await serve((req, res) => {
      req.resume();
      const status = req.method === "POST" && /\/cancel$/.test(req.url ?? "") ? 500 : 404;
      req.on("end", () => res.writeHead(status).end());
    });
    const report = await fuzz({
      port,
      requests: requests(API_ROUTES, secrets),
      runs: 400,
      concurrency: 4,
      timeoutMs: 2_000,
      seed: 42,
    });
    expect(report.failure).toMatch(/answered 500/);
    expect(report.failure).toMatch(/POST \S*\/cancel /);
    expect(report.failure).toMatch(/replay: seed \d+, path "/);
  });

  it("finds a planted hang, and passes a server that answers everything in time", async () => {
    const hangs = await serve((req, res) => {
      req.resume();
      // Never answers a signed webhook: what a stuck handler looks like from outside.
      if (req.headers["webhook-signature"]) return;
      req.on("end", () => res.writeHead(401).end());
    });
    const hung = await fuzz({
      port: hangs,
      requests: requests(WEBHOOK_ROUTES, secrets),
      runs: 100,
      concurrency: 4,
      timeoutMs: 300,
      seed: 7,
      budgetMs: 10_000,
    });
    expect(hung.failure).toMatch(/no complete answer within/);
    await server?.close();

    const fine = await serve((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(401).end());
    });
    const report = await fuzz({
      port: fine,
      requests: requests(WEBHOOK_ROUTES, secrets),
      runs: 200,
      concurrency: 4,
      timeoutMs: 2_000,
      seed: 7,
    });
    expect([report.failure, report.passed]).toEqual([undefined, 200]);
  });
});

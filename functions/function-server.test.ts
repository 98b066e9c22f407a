// A function's server: stalled uploads closed within its limits with (almost) nothing logged; events only with the broker's token.
import { request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEvent, shardProgress, toBinaryHttp } from "../events/index.ts";
import { answerFrameworkErrors } from "../platform/http/framework-errors.ts";
import { checkingIntervalFor, type ServerLimits } from "../platform/http/server-limits.ts";
import { createLogger, type Logger, type LogLevel } from "../platform/log.ts";
import { MemoryRateLimiter } from "../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../platform/memory/memory-replay-guard.ts";
import { type FunctionHandlers, functionServer } from "./function-server.ts";
import { verifierFor } from "./ingest-webhook/authenticate.ts";
import type { IngestDeps } from "./ingest-webhook/handler.ts";
import { ingestNodeHandler } from "./ingest-webhook/node-http-adapter.ts";
import { type Listening, listen } from "./test-support/listen.ts";
import { RecordingPublisher } from "./test-support/recording-publisher.ts";

/** Short limits, so a stalled client is cut off in about a second. */
const LIMITS: ServerLimits = {
  headersTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  keepAliveTimeoutMs: 500,
};
const SOCKETS = 400;
/** What the server may take beyond the request limit: its checking interval and a busy machine. */
const SLACK_MS = checkingIntervalFor(LIMITS) + 1_500;

functions.http("probe", (req, res) => {
  res.json({ got: req.body });
});

/** The ids of the events that reached the CloudEvent function behind the server. */
const delivered: string[] = [];
functions.cloudEvent("probe-event", (event: { id: string }) => {
  delivered.push(event.id);
});

/** Lines written through the logger, and bytes written to stderr by anything else. */
function capture(level: LogLevel) {
  const lines: string[] = [];
  const stderr: string[] = [];
  const log: Logger = createLogger(
    "function-server-test",
    {},
    { level, write: (l) => lines.push(l) },
  );
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  const bytes = () => [...lines, ...stderr].reduce((n, l) => n + Buffer.byteLength(l), 0);
  return { log, lines, stderr, bytes };
}

function webhookServer(log: Logger): Server {
  const deps: IngestDeps = {
    sources: new Map([
      ["tv", verifierFor({ auth: "token", token: "tv-token-0123456789abcdef", allowIps: [] })],
    ]),
    replay: new MemoryReplayGuard(),
    rate: new MemoryRateLimiter(),
    publisher: new RecordingPublisher(),
    log,
    limits: {
      maxBodyBytes: 64 * 1024,
      maxCombinations: 100,
      ratePerMinute: 1000,
      replayTtlSeconds: 60,
      allowInsecureUrls: false,
    },
    publicUrl: "https://api.example.com",
  };
  return functionServer({
    handlers: {
      app: answerFrameworkErrors(getTestServer("probe"), log),
      webhooks: ingestNodeHandler(async () => deps),
      readyz: (_req, res) => res.end(),
    },
    maxBodyBytes: 64 * 1024,
    log,
    limits: LIMITS,
  });
}

function frameworkServer(log: Logger): Server {
  return functionServer({
    handlers: {
      app: answerFrameworkErrors(getTestServer("probe"), log),
      readyz: (_req, res) => res.end(),
    },
    maxBodyBytes: 64 * 1024,
    log,
    limits: LIMITS,
  });
}

/**
 * Opens `count` connections that each send the headers of a 1000-byte POST and 12 bytes of
 * it, then stall. Resolves, once the server has closed them all, with the milliseconds from
 * the last write to each close.
 */
async function stall(url: string, path: string, count: number): Promise<number[]> {
  const { port } = new URL(url);
  const sockets: Socket[] = [];
  const closed: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => {});
    socket.resume();
    sockets.push(socket);
  }
  await Promise.all(sockets.map((s) => new Promise((resolve) => s.once("connect", resolve))));
  const sent = Date.now();
  for (const socket of sockets) {
    closed.push(new Promise((resolve) => socket.once("close", () => resolve(Date.now() - sent))));
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"strategy":`,
    );
  }
  return Promise.all(closed);
}

let server: Listening | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

describe("functionServer under stalled uploads", () => {
  it(`closes ${SOCKETS} stalled webhook uploads within the request limit and logs nothing at the default level`, async () => {
    const { log, bytes } = capture("info");
    server = await listen(webhookServer(log));
    const waits = await stall(server.url, "/webhooks/tv", SOCKETS);
    console.info(
      `${SOCKETS} stalled uploads closed ${Math.min(...waits)}-${Math.max(...waits)} ms after their last byte; ${bytes()} bytes logged at info`,
    );
    expect(Math.max(...waits)).toBeLessThanOrEqual(LIMITS.requestTimeoutMs + SLACK_MS);
    // Regression: 400 slow sockets wrote 175 KB of error lines with stack traces.
    expect(bytes()).toBe(0);
  });

  it("logs each stalled webhook upload at most once, at debug, in one short line without a stack", async () => {
    const { log, lines, stderr } = capture("debug");
    server = await listen(webhookServer(log));
    await stall(server.url, "/webhooks/tv", SOCKETS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    console.info(`${SOCKETS} stalled uploads at debug: ${lines.length} lines, ${logged} bytes`);
    expect(stderr).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(SOCKETS);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ level: "debug" });
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(300);
      expect(line).not.toMatch(/\s+at \S+ \(|\\n\s+at /);
    }
  });

  it("does the same for uploads functions-framework reads: closed within the limit, nothing above debug", async () => {
    const { log, lines, stderr } = capture("debug");
    server = await listen(frameworkServer(log));
    const waits = await stall(server.url, "/anything", 50);
    expect(Math.max(...waits)).toBeLessThanOrEqual(LIMITS.requestTimeoutMs + SLACK_MS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(50);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: "debug" });
  });

  it("answers what functions-framework's parsers refuse with a JSON 4xx, and logs nothing", async () => {
    const { log, lines, stderr } = capture("debug");
    server = await listen(frameworkServer(log));
    const badJson = await fetch(`${server.url}/probe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{bad",
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { code: "invalid_request" } });
    const badPath = await fetch(`${server.url}/x/%zz`, { method: "POST", body: "" });
    expect(badPath.status).toBe(400);
    expect(await badPath.json()).toEqual({
      error: { code: "invalid_request", message: "the path is not valid percent-encoding" },
    });
    const badCharset = await fetch(`${server.url}/probe`, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=bogus" },
      body: "x",
    });
    expect(badCharset.status).toBe(415);
    expect(await badCharset.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
    expect([...lines, ...stderr]).toEqual([]);
  });
});

const EVENT_TOKEN = "event-token-0123456789abcdef-0123456789";

function eventServer(log: Logger, eventToken?: string): Server {
  return functionServer({
    handlers: {
      app: answerFrameworkErrors(getTestServer("probe-event"), log),
      readyz: (_req, res) => res.writeHead(200).end(),
    },
    events: true,
    eventToken,
    maxBodyBytes: 64 * 1024,
    log,
    limits: LIMITS,
  });
}

/** POSTs a binary-mode event with `authorization` (none when undefined); its id is fresh. */
async function postEvent(url: string, authorization?: string) {
  const id = `e-${Math.random().toString(36).slice(2)}`;
  const event = createEvent(
    shardProgress.type,
    { runId: `run_${"a".repeat(26)}`, shard: { index: 0, count: 1 }, done: 1, total: 2 },
    { id, source: "/test" },
  );
  const { headers, body } = toBinaryHttp(event);
  const response = await fetch(`${url}/`, {
    method: "POST",
    headers: authorization === undefined ? headers : { ...headers, authorization },
    body,
  });
  return { id, response, body: await response.text() };
}

describe("functionServer for a CloudEvent function with the broker's token", () => {
  it("answers 401 with WWW-Authenticate: Bearer to an event without the token or with another, and never delivers it", async () => {
    const { log } = capture("info");
    server = await listen(eventServer(log, EVENT_TOKEN));
    const refused = [
      await postEvent(server.url),
      await postEvent(server.url, `Bearer ${EVENT_TOKEN}x`),
      await postEvent(server.url, `Bearer ${EVENT_TOKEN.slice(0, -1)}`),
      await postEvent(server.url, `Basic ${Buffer.from(`u:${EVENT_TOKEN}`).toString("base64")}`),
      await postEvent(server.url, EVENT_TOKEN),
    ];
    for (const { id, response, body } of refused) {
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(JSON.parse(body)).toMatchObject({ error: { code: "unauthorized" } });
      expect(delivered).not.toContain(id);
    }
  });

  it("hands an event with the token to the function, the scheme in any case", async () => {
    const { log } = capture("info");
    server = await listen(eventServer(log, EVENT_TOKEN));
    for (const scheme of ["Bearer", "bearer"]) {
      const { id, response } = await postEvent(server.url, `${scheme} ${EVENT_TOKEN}`);
      expect(response.ok, scheme).toBe(true);
      expect(delivered).toContain(id);
    }
  });

  it("asks no token of /healthz and /readyz, and judges nothing else before it: a GET without it is 401, not 405", async () => {
    const { log } = capture("info");
    server = await listen(eventServer(log, EVENT_TOKEN));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}/`, { headers: { authorization: `Bearer ${EVENT_TOKEN}` } }))
        .status,
    ).toBe(405);
  });

  it("answers 401 before the body arrives, and logs refusals only at debug, without the token", async () => {
    const { log, lines, stderr } = capture("debug");
    server = await listen(eventServer(log, EVENT_TOKEN));
    const { port } = new URL(server.url);
    // 12 bytes of a declared million: the answer cannot wait for the rest.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/",
        headers: {
          "content-type": "application/json",
          "content-length": "1000000",
          authorization: `Bearer ${EVENT_TOKEN.toUpperCase()}`,
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode);
        req.destroy();
      });
      req.on("error", reject);
      req.write('{"strategy":');
    });
    expect(status).toBe(401);
    await postEvent(server.url);
    expect(stderr).toEqual([]);
    expect(lines.length).toBe(2);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ level: "debug" });
      expect(line).not.toContain(EVENT_TOKEN);
      expect(line).not.toContain(EVENT_TOKEN.toUpperCase());
    }
  });

  it("logs nothing at the default level for refused events", async () => {
    const { log, bytes } = capture("info");
    server = await listen(eventServer(log, EVENT_TOKEN));
    await postEvent(server.url);
    await postEvent(server.url, "Bearer wrong");
    expect(bytes()).toBe(0);
  });

  it("without a token (Knative), takes events as before", async () => {
    const { log } = capture("info");
    server = await listen(eventServer(log));
    const { id, response } = await postEvent(server.url);
    expect(response.ok).toBe(true);
    expect(delivered).toContain(id);
  });

  it("refuses at setup a token under 32 characters, or a token for a server that takes no events", () => {
    const { log } = capture("info");
    expect(() => eventServer(log, "short-token")).toThrow(RangeError);
    expect(() =>
      functionServer({
        handlers: { app: getTestServer("probe"), readyz: (_req, res) => res.end() },
        eventToken: EVENT_TOKEN,
        maxBodyBytes: 1024,
        log,
      }),
    ).toThrow(RangeError);
  });
});

/** A promise and the hands that settle it, for handlers that are still loading. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` is still pending after `ms`: what a request held by the server looks like. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = Symbol("pending");
  const winner = await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise((resolve) => setTimeout(() => resolve(timeout), ms)),
  ]);
  return winner === timeout;
}

describe("functionServer while the function loads (listen first)", () => {
  it("answers /healthz at once, holds every other request, and answers each with the function once it is there", async () => {
    const { log } = capture("info");
    const loading = deferred<FunctionHandlers>();
    server = await listen(
      functionServer({ handlers: loading.promise, maxBodyBytes: 64 * 1024, log, limits: LIMITS }),
    );
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);

    // Sent before the function is loaded: a body, a readiness probe, an event.
    const posted = fetch(`${server.url}/probe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ early: true }),
    });
    const readyz = fetch(`${server.url}/readyz`);
    expect(await pendingAfter(posted, 300)).toBe(true);
    expect(await pendingAfter(readyz, 0)).toBe(true);

    loading.resolve({
      app: answerFrameworkErrors(getTestServer("probe"), log),
      readyz: (_req, res) => res.writeHead(200).end("ready"),
    });
    const answer = await posted;
    expect([answer.status, await answer.json()]).toEqual([200, { got: { early: true } }]);
    const ready = await readyz;
    expect([ready.status, await ready.text()]).toEqual([200, "ready"]);
    // And after it loaded, straight through.
    const later = await fetch(`${server.url}/probe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1]",
    });
    expect(await later.json()).toEqual({ got: [1] });
  });

  it("routes held webhooks to the webhook handler and held events behind the broker's token", async () => {
    const { log } = capture("info");
    const loading = deferred<FunctionHandlers>();
    server = await listen(
      functionServer({
        handlers: loading.promise,
        events: true,
        eventToken: EVENT_TOKEN,
        maxBodyBytes: 64 * 1024,
        log,
        limits: LIMITS,
      }),
    );
    const withToken = postEvent(server.url, `Bearer ${EVENT_TOKEN}`);
    const without = postEvent(server.url);
    expect(await pendingAfter(withToken, 200)).toBe(true);
    loading.resolve({
      app: answerFrameworkErrors(getTestServer("probe-event"), log),
      readyz: (_req, res) => res.end(),
    });
    const [taken, refused] = await Promise.all([withToken, without]);
    expect(taken.response.status).toBe(204);
    expect(delivered).toContain(taken.id);
    expect(refused.response.status).toBe(401);
    expect(delivered).not.toContain(refused.id);
  });

  it("answers 503 to what it held, and to what comes after, when the function fails to load; /healthz stays 200", async () => {
    const { log, lines } = capture("info");
    const loading = deferred<FunctionHandlers>();
    server = await listen(
      functionServer({ handlers: loading.promise, maxBodyBytes: 1024, log, limits: LIMITS }),
    );
    const held = fetch(`${server.url}/readyz`);
    expect(await pendingAfter(held, 100)).toBe(true);
    loading.reject(new Error("boom"));
    const answer = await held;
    expect([answer.status, await answer.json()]).toEqual([
      503,
      { error: { code: "unavailable", message: "the function failed to load" } },
    ]);
    const after = await fetch(`${server.url}/anything`, { method: "POST", body: "x" });
    expect(after.status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(["function failed to load"]);
  });
});

// functions/serve.ts as a container runs it: bad configuration exits 2, /readyz means a webhook is served.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { backtestRequested } from "../events/index.ts";
import { signedHeaders } from "../test-support/signed-webhook.ts";
import { tempDir } from "../test-support/temp-dir.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const REDIS_URL = process.env.REDIS_URL;

/** One function process: its stderr so far, its exit, and the port it says it serves on. */
interface Served {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** The `serving` log line's port, or undefined when the process exits first. */
  readonly port: Promise<number | undefined>;
}

const children: ChildProcess[] = [];
const servers: Server[] = [];
// Every child dies with the file, whatever failed on the way.
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts `FUNCTION_TARGET=target` with `env` alone (PATH aside), on free ports, logging at info. */
function serve(target: string, env: Record<string, string>): Served {
  const dataHome = tempDir("zixly-serve-");
  const child = spawn(process.execPath, ["--import", "tsx", "functions/serve.ts"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      FUNCTION_TARGET: target,
      PORT: "0",
      METRICS_PORT: "0",
      DATA_HOME: dataHome,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = new Promise<number | undefined>((resolve) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of stderr.split("\n")) {
        if (!line.includes('"serving"')) continue;
        const parsed = JSON.parse(line) as { message: string; port: number };
        if (parsed.message === "serving") resolve(parsed.port);
      }
    });
    void exited.then(() => resolve(undefined));
  });
  return { child, stderr: () => stderr, exited, port };
}

/** A stand-in broker ingress: answers 202 and keeps the CloudEvent types it was sent. */
async function fakeSink(): Promise<{ url: string; types: string[] }> {
  const types: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "POST") types.push(String(req.headers["ce-type"]));
      res.writeHead(req.method === "POST" ? 202 : 405).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ns/default`, types };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("functions/serve.ts with bad configuration", () => {
  it("notify without K_SINK exits 2 at start, names K_SINK on stderr, and never serves", async () => {
    const started = Date.now();
    const notify = serve("notify", { WEBHOOK_SECRET: SECRET });
    expect(await notify.exited).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = notify.stderr().trim().split("\n");
    expect(lines.filter((l) => l.startsWith("error:"))).toEqual([
      expect.stringContaining("K_SINK"),
    ]);
    expect(notify.stderr()).not.toContain('"serving"');
  }, 20_000);
});

describe("functions/serve.ts with the database down at start", () => {
  it("dispatch-backtest stays alive: /healthz 200, /readyz 503 naming the database, SIGTERM exits 0", async () => {
    const sink = await fakeSink();
    const dispatch = serve("dispatch-backtest", {
      WEBHOOK_SECRET: SECRET,
      K_SINK: sink.url,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
    });
    const port = await dispatch.port;
    expect(port, dispatch.stderr()).toBeDefined();
    const base = `http://127.0.0.1:${port}`;
    expect(await getJson(`${base}/healthz`)).toEqual({ status: 200, body: { status: "ok" } });
    // Seconds of refused connections: retried in the background, never a crash.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(dispatch.child.exitCode).toBeNull();
    expect(await getJson(`${base}/healthz`)).toEqual({ status: 200, body: { status: "ok" } });
    expect(await getJson(`${base}/readyz`)).toEqual({
      status: 503,
      body: { status: "unready", checks: { database: "down", broker: "ok" } },
    });
    expect(dispatch.stderr()).toContain("database not reachable; retrying in the background");
    // The retrying does not hold the process up when it is told to go.
    dispatch.child.kill("SIGTERM");
    expect(await dispatch.exited).toBe(0);
  }, 20_000);
});

if (!REDIS_URL) {
  console.warn(
    'Skipping "ingest-webhook ready means ready": REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379).',
  );
}
describe.skipIf(!REDIS_URL)("functions/serve.ts: ingest-webhook ready means ready", () => {
  // Regression: the first webhook to a fresh container got 503 "rate limiter unavailable",
  // its Redis client still connecting while /healthz already said ok.
  it("answers the first signed webhook after /readyz says 200 with 202, never 503", async () => {
    const sink = await fakeSink();
    const ingest = serve("ingest-webhook", {
      WEBHOOK_SECRET: SECRET,
      K_SINK: sink.url,
      REDIS_URL: REDIS_URL ?? "",
      REPLAY_TTL_SECONDS: "60",
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    });
    const port = await ingest.port;
    expect(port, ingest.stderr()).toBeDefined();
    const base = `http://127.0.0.1:${port}`;
    let ready = await getJson(`${base}/readyz`);
    const deadline = Date.now() + 10_000;
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      ready = await getJson(`${base}/readyz`);
    }
    expect(ready).toEqual({
      status: 200,
      body: { status: "ready", checks: { redis: "ok", broker: "ok" } },
    });

    const body = JSON.stringify({
      strategy: "sma-crossover",
      params: { fast: [5, 10], slow: [20, 40] },
      data: { synthetic: { bars: 300, seed: 1 } },
    });
    const response = await fetch(`${base}/webhooks/backtest`, {
      method: "POST",
      headers: signedHeaders(SECRET, body),
      body,
    });
    expect([response.status, await response.json()]).toEqual([
      202,
      { runId: expect.stringMatching(/^run_/), statusUrl: expect.any(String) },
    ]);
    expect(sink.types).toEqual([backtestRequested.type]);
  }, 20_000);
});

describe("functions/serve.ts listens first (docs/decisions/0036-listen-first.md)", () => {
  it("answers /healthz before it says serving, and a webhook sent meanwhile with 202 once loaded", async () => {
    const sink = await fakeSink();
    const port = await closedPort();
    // In-memory rate limiter and replay guard: nothing to wait for but the function itself.
    const ingest = serve("ingest-webhook", {
      WEBHOOK_SECRET: SECRET,
      K_SINK: sink.url,
      PORT: String(port),
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let health = 0;
    while (health !== 200 && ingest.child.exitCode === null && Date.now() < deadline) {
      health = await fetch(`${base}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(health, ingest.stderr()).toBe(200);
    // Under tsx the function takes seconds to load: this is well before it.
    expect(ingest.stderr()).not.toContain('"serving"');

    const body = JSON.stringify({
      strategy: "sma-crossover",
      params: { fast: [5, 10], slow: [20, 40] },
      data: { synthetic: { bars: 300, seed: 1 } },
    });
    const response = await fetch(`${base}/webhooks/backtest`, {
      method: "POST",
      headers: signedHeaders(SECRET, body),
      body,
    });
    expect([response.status, await response.json()]).toEqual([
      202,
      { runId: expect.stringMatching(/^run_/), statusUrl: expect.any(String) },
    ]);
    expect(sink.types).toEqual([backtestRequested.type]);
    expect(await ingest.port).toBe(port);
    ingest.child.kill("SIGTERM");
    expect(await ingest.exited).toBe(0);
  }, 30_000);
});

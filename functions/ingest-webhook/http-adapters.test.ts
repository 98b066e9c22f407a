// Both ingest adapters, node:http and functions-framework, alike: malformed paths, client addresses, aborted uploads.
import { connect } from "node:net";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterEach, describe, expect, it } from "vitest";
import { compileTrust, type ProxyTrust } from "../../platform/http/client-address.ts";
import { answerFrameworkErrors } from "../../platform/http/framework-errors.ts";
import { createLogger, type Logger, type LogLevel } from "../../platform/log.ts";
import { MemoryRateLimiter } from "../../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../../platform/memory/memory-replay-guard.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { verifierFor } from "./authenticate.ts";
import type { IngestDeps } from "./handler.ts";
import { ingestNodeHandler } from "./node-http-adapter.ts";
import { INGEST_WEBHOOK, registerIngestWebhook } from "./register.ts";

const TOKEN = "tv-shared-token-0123456789";
const REQUEST = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 40] },
  data: { synthetic: { bars: 300, seed: 1 } },
};

/** Log lines as written, at the level the case asks for. */
function capturingLog(level: LogLevel): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger("ingest-test", {}, { level, write: (l) => lines.push(l) }), lines };
}

function depsWith(log: Logger, trustProxy?: ProxyTrust): IngestDeps {
  return {
    sources: new Map([
      ["tv", verifierFor({ auth: "token", token: TOKEN, allowIps: ["203.0.113.0/24"] })],
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
    trustProxy,
  };
}

/** The two ways a webhook reaches the handler, each serving `deps`. */
const ADAPTERS: Record<string, (deps: IngestDeps) => Promise<Listening>> = {
  "node:http": (deps) => listen(ingestNodeHandler(async () => deps)),
  "functions-framework": (deps) => {
    registerIngestWebhook(async () => deps);
    return listen(answerFrameworkErrors(getTestServer(INGEST_WEBHOOK), deps.log));
  },
};

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server!.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(Object.keys(ADAPTERS))("ingest over %s", (adapter) => {
  const start = (deps: IngestDeps) => ADAPTERS[adapter]!(deps);

  it("answers POST /webhooks/%zz with a JSON 400 about the path, and logs nothing at error", async () => {
    const { log, lines } = capturingLog("debug");
    server = await start(depsWith(log));
    const { status, body } = await post("/webhooks/%zz", "{}");
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: "invalid_request" } });
    expect(JSON.stringify(body)).toMatch(/percent-encoding/);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it("takes the client address for allowIps from the trusted X-Forwarded-For hop", async () => {
    const send = (xff: string) =>
      post("/webhooks/tv", JSON.stringify({ ...REQUEST, token: TOKEN }), {
        "x-forwarded-for": xff,
      });
    // Trusting loopback (the peer here, as queue-proxy is in a Knative pod): the hop before it.
    server = await start(depsWith(capturingLog("info").log, compileTrust("loopback")));
    expect((await send("203.0.113.7")).status).toBe(202);
    // A spoofed entry left of the first untrusted hop is never read.
    expect((await send("1.2.3.4, 203.0.113.7")).status).toBe(202);
    const spoofed = await send("203.0.113.7, 198.51.100.9");
    expect(spoofed.status).toBe(403);
    expect(JSON.stringify(spoofed.body)).toContain("198.51.100.9");
    await server.close();

    // Trusting no proxy: the client is the TCP peer, 127.0.0.1, whatever the header says.
    server = await start(depsWith(capturingLog("info").log));
    const untrusted = await send("203.0.113.7");
    expect(untrusted.status).toBe(403);
    expect(JSON.stringify(untrusted.body)).toContain("127.0.0.1");
  });

  it("lets a client that aborts mid-body go with one debug line, no stack, nothing above debug", async () => {
    const { log, lines } = capturingLog("debug");
    server = await start(depsWith(log));
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      "POST /webhooks/tv HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n" +
        '{"strategy":',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();
    const deadline = Date.now() + 2_000;
    while (lines.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: "debug" });
    expect(lines[0]).not.toMatch(/\n\s+at |\\n\s+at /);
  });
});

// Forged events on every way into the embedded stack's broker are refused; Jobs' events with the token get in.
import { randomBytes } from "node:crypto";
import { get } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtestRequested, createEvent, deriveRunId, toBinaryHttp } from "../events/index.ts";
import { loadConfig } from "../platform/config.ts";
import { createLogger } from "../platform/log.ts";
import type { RunRecord } from "../platform/ports.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import { type Stack, startStack } from "./start-stack.ts";
import { describeBackends, testAdapters } from "./test-support/test-adapters.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const API_TOKEN = "api-token-for-the-broker-auth-test";

console.warn(`broker authentication tests run against ${describeBackends()}`);

/**
 * A `requested` event as ingest would publish it, valid in every field, claiming 1 combination
 * for a grid of 4: what an attacker who could reach the broker would send.
 */
function forgedRequested(name: string) {
  const runId = deriveRunId("forged", name);
  const event = createEvent(
    backtestRequested.type,
    {
      runId,
      source: "backtest",
      combinations: 1,
      request: {
        strategy: "sma-crossover",
        params: { fast: [5, 10], slow: [20, 40] },
        data: { synthetic: { bars: 300, seed: 1 } },
        sort: "sharpeRatio",
      },
      receivedAt: new Date().toISOString(),
    },
    { id: `forged-${name}`, source: "/zixly/ingest-webhook" },
  );
  return { runId, event };
}

/** POSTs `event` in binary mode to `url`, with `authorization` when given. */
async function post(
  url: string,
  event: ReturnType<typeof forgedRequested>["event"],
  auth?: string,
) {
  const { headers, body } = toBinaryHttp(event);
  const response = await fetch(url, {
    method: "POST",
    headers: auth === undefined ? headers : { ...headers, authorization: auth },
    body,
  });
  await response.arrayBuffer();
  return response;
}

/**
 * The status of a GET on a connection of its own: fetch would reuse a pooled connection that
 * the draining stack has just closed.
 */
function statusOfGet(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).once("error", reject);
  });
}

/** Whether a TCP connection to `host:port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the embedded stack's broker ingress", () => {
  let stack: Stack;
  /** Every line the stack logged, at debug level and up. */
  const lines: string[] = [];
  beforeAll(async () => {
    const adapters = await testAdapters();
    const config = loadConfig({
      PORT: "0",
      DATA_HOME: tempDir("zixly-broker-auth-"),
      WEBHOOK_SECRET: SECRET,
      API_TOKEN,
    });
    const log = createLogger("broker-auth", {}, { level: "debug", write: (l) => lines.push(l) });
    try {
      stack = await startStack(config, log, { adapters, launcher: { echoStderr: false } });
    } catch (error) {
      await adapters.close();
      throw error;
    }
  });
  afterAll(async () => {
    await stack?.stop(10_000);
  });

  const storedRun = (runId: string) => stack.context.adapters.store.getRun(runId);

  /** The run once it is no longer queued or running. */
  async function finished(runId: string): Promise<RunRecord | undefined> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const run = await storedRun(runId);
      if (run && run.status !== "queued" && run.status !== "running") return run;
      if (Date.now() > deadline) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("is not on the public port, API_TOKEN set: the api's 401, or 404 with its token; nothing starts", async () => {
    const { runId, event } = forgedRequested("public");
    const accepted = stack.broker.stats().accepted;
    // The api answers: without its token 401, as for any path; with it 404, no such route.
    expect((await post(`${stack.url}/broker/default`, event)).status).toBe(401);
    const authed = await post(`${stack.url}/broker/default`, event, `Bearer ${API_TOKEN}`);
    expect(authed.status).toBe(404);
    await stack.broker.drain(2_000);
    expect(stack.broker.stats().accepted).toBe(accepted);
    expect(await storedRun(runId)).toBeUndefined();
  });

  it("listens on 127.0.0.1 only", async () => {
    const url = new URL(stack.internalBrokerUrl);
    expect(url.hostname).toBe("127.0.0.1");
    expect(url.pathname).toBe("/broker/default");
    const port = Number(url.port);
    expect(port).not.toBe(stack.port);
    expect(await accepts("127.0.0.1", port)).toBe(true);
    // Every other address of this machine: nothing listens there.
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === "IPv4" && !a.internal)
      .map((a) => a!.address);
    if (others.length === 0) console.warn("no non-loopback IPv4 address here to try");
    for (const address of others) expect(await accepts(address, port), address).toBe(false);
  });

  it.each([
    ["no Authorization", undefined],
    ["a wrong token of the same length", () => `Bearer ${randomBytes(32).toString("base64url")}`],
    ["a token of another length", () => `Bearer ${stack.brokerToken}x`],
    ["the api's token", () => `Bearer ${API_TOKEN}`],
  ])("refuses a forged event with %s: 401, nothing published", async (name, auth) => {
    const { runId, event } = forgedRequested(`internal-${name}`);
    const accepted = stack.broker.stats().accepted;
    const response = await post(stack.internalBrokerUrl, event, auth?.());
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    await stack.broker.drain(2_000);
    expect(stack.broker.stats().accepted).toBe(accepted);
    expect(await storedRun(runId)).toBeUndefined();
  });

  it("takes an event with the process's token, and dispatch sizes the run by its grid", async () => {
    const { runId, event } = forgedRequested("with-token");
    const response = await post(stack.internalBrokerUrl, event, `Bearer ${stack.brokerToken}`);
    expect(response.status).toBe(202);
    // Claimed 1 combination; the grid has 4, and the run is sized and finished by those,
    // its Job reporting through this ingress with the token it was given.
    expect(await finished(runId)).toMatchObject({
      status: "succeeded",
      combinations: 4,
      shardCount: 1,
      rowsRecorded: 4,
    });
  });

  it("never writes the token to a log line", () => {
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes("event refused: no valid broker token"))).toBe(true);
    expect(lines.filter((l) => l.includes(stack.brokerToken))).toEqual([]);
  });
});

describe("the embedded stack while it drains", () => {
  it("answers 503 on the public port and still takes Jobs' reports on the internal one", async () => {
    const stack = await startTestStack({ WEBHOOK_SECRET: SECRET }, "broker-auth-drain", {
      launcher: {
        // A shard that runs for 3 s and reports nothing: the grace period waits for it.
        command: { file: process.execPath, args: ["-e", "setTimeout(() => {}, 3000)"] },
      },
    });
    // Without API_TOKEN the public port's answer is the api's 404: there is no such route.
    const onPublic = forgedRequested("public-open");
    expect((await post(`${stack.url}/broker/default`, onPublic.event)).status).toBe(404);
    const { runId, event } = forgedRequested("drain");
    expect((await post(stack.internalBrokerUrl, event, `Bearer ${stack.brokerToken}`)).status).toBe(
      202,
    );
    // Wait for its shard to run, then begin the stop without waiting for it.
    for (let i = 0; i < 200 && stack.launcher.stats().running === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(stack.launcher.stats().running).toBe(1);
    expect(await stack.context.adapters.store.getRun(onPublic.runId)).toBeUndefined();
    const stopped = stack.stop(10_000);
    try {
      expect(await statusOfGet(`${stack.url}/runs/${runId}`)).toBe(503);
      const late = forgedRequested("drain-report").event;
      const internal = await post(stack.internalBrokerUrl, late, `Bearer ${stack.brokerToken}`);
      expect(internal.status).toBe(202);
      const refused = await post(stack.internalBrokerUrl, late);
      expect(refused.status).toBe(401);
    } finally {
      await stopped;
    }
  });
});

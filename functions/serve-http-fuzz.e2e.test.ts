// Property-based HTTP fuzzing of functions/serve.ts as compose and Knative run it: webhooks, api, a CloudEvent target with and without the broker's token.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { fuzz } from "../test-support/http-fuzz/fuzz-run.ts";
import { requests } from "../test-support/http-fuzz/requests.ts";
import {
  API_ROUTES,
  EVENT_ROUTES,
  HEALTH_ROUTES,
  newSecrets,
  secretsEnv,
  TOKEN_EVENT_ROUTES,
  WEBHOOK_ROUTES,
} from "../test-support/http-fuzz/routes.ts";
import { type ServerProcess, startServer } from "../test-support/http-fuzz/server-process.ts";
import { stackTraceExcerpt } from "../test-support/http-fuzz/verdict.ts";
import { tempDir } from "../test-support/temp-dir.ts";

/** A tenth of the stack's share per target by default: the 10,000 go to the whole stack. */
const RUNS = Math.max(1, Math.round(Number(process.env.FUZZ_RUNS ?? 10_000) / 10));
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const servers: ServerProcess[] = [];
const sinks: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  for (const sink of sinks) sink.closeAllConnections();
  await Promise.all(sinks.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A stand-in K_SINK that takes every event: the fuzz is about the function, not the broker. */
async function acceptingSink(): Promise<string> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(202).end());
  });
  sinks.push(sink);
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(sink.address() as AddressInfo).port}/ns/default`;
}

const TARGETS = [
  { target: "ingest-webhook", token: "", routes: [...WEBHOOK_ROUTES, ...HEALTH_ROUTES] },
  { target: "api", token: "", routes: [...API_ROUTES, ...HEALTH_ROUTES] },
  // A CloudEvent function: functions-framework's binary and structured parsing in front of it,
  // as on Knative (no token) and as in compose (BROKER_TOKEN, required of every event).
  { target: "record-result", token: "", routes: [...EVENT_ROUTES, ...HEALTH_ROUTES] },
  {
    target: "record-result",
    token: " with BROKER_TOKEN",
    routes: [...TOKEN_EVENT_ROUTES, ...HEALTH_ROUTES],
  },
];

describe.each(TARGETS)(
  "functions/serve.ts FUNCTION_TARGET=$target$token under HTTP fuzzing",
  ({ target, token, routes }) => {
    it(`answers ${RUNS} random requests under 500, in time, and stays up`, async () => {
      const brokerToken = token ? randomBytes(32).toString("base64url") : undefined;
      const secrets = { ...newSecrets(), brokerToken };
      const server = await startServer("functions/serve.ts", {
        ...secretsEnv(secrets),
        ...(brokerToken ? { BROKER_TOKEN: brokerToken } : {}),
        FUNCTION_TARGET: target,
        METRICS_PORT: "0",
        K_SINK: await acceptingSink(),
        // PGlite under DATA_HOME, in-memory stand-ins for Redis: every target starts without servers.
        DATA_HOME: tempDir("zixly-serve-fuzz-"),
        LOG_LEVEL: "info",
        MAX_BODY_BYTES: "8192",
        RATE_LIMIT_PER_MINUTE: "1000000",
        TRUSTED_PROXIES: "loopback",
      });
      servers.push(server);
      const report = await fuzz({
        port: server.port,
        requests: requests(routes, secrets),
        runs: RUNS,
        concurrency: 8,
        timeoutMs: 5_000,
        seed: SEED,
      });
      console.info(
        `http fuzz, serve ${target}${token}: ${report.cases} cases in ${report.ms} ms; outcomes ${JSON.stringify(report.outcomes)}`,
      );
      expect(report.failure, `stderr tail:\n${server.stderr().slice(-2000)}`).toBeUndefined();
      expect(report.passed, "requests that passed within the runners' time budget").toBe(RUNS);
      expect(server.alive()).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
      const log = server.stderr();
      expect(log.split("\n").filter((l) => l.includes("unhandled error"))).toEqual([]);
      expect(stackTraceExcerpt(log), "the log holds a stack trace").toBe("");
      if (brokerToken) {
        // Both sides of the door were fuzzed: refused without the token, past it with it (a
        // status only the event guard or the function gives; health answers 200).
        expect(report.outcomes, "some requests were refused for their token").toHaveProperty("401");
        const past = Object.keys(report.outcomes).filter((k) =>
          /^(20[1-9]|4(0[02-9]|1\d))$/.test(k),
        );
        expect(past, "some requests got past the token").not.toEqual([]);
        expect(log, "the token is never logged").not.toContain(brokerToken);
      }
      await server.kill();
    });
  },
);

// Property-based HTTP fuzzing of `npm start` on every route: never a 5xx, never a hang, never down.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fuzz } from "../test-support/http-fuzz/fuzz-run.ts";
import { requests } from "../test-support/http-fuzz/requests.ts";
import {
  API_ROUTES,
  BROKER_ROUTES,
  newSecrets,
  STACK_ROUTES,
  secretsEnv,
  WEBHOOK_ROUTES,
} from "../test-support/http-fuzz/routes.ts";
import { type ServerProcess, startServer } from "../test-support/http-fuzz/server-process.ts";
import { stackTraceExcerpt } from "../test-support/http-fuzz/verdict.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import type { Stack } from "./start-stack.ts";
import { startTestStack } from "./test-support/test-stack.ts";

/** 10,000 by default, as CI runs it; FUZZ_RUNS=500 for a quick local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** FUZZ_SEED replays a reported failure; otherwise each run draws new cases. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const secrets = newSecrets();
let stack: ServerProcess | undefined;

beforeAll(async () => {
  stack = await startServer("stack/main.ts", {
    ...secretsEnv(secrets),
    DATA_HOME: tempDir("zixly-fuzz-"),
    // Embedded: PGlite and in-memory stand-ins, whatever the machine has.
    DATABASE_URL: "",
    REDIS_URL: "",
    LOG_LEVEL: "info",
    JOB_CONCURRENCY: "1",
    // Small limits, so that over-limit bodies are cheap to send and accepted runs stay short.
    MAX_BODY_BYTES: "8192",
    MAX_COMBINATIONS: "100",
    // Signed requests must reach validation, not stop at the rate limit.
    RATE_LIMIT_PER_MINUTE: "1000000",
    TRUSTED_PROXIES: "loopback",
    ALLOW_INSECURE_URLS: "false",
    SHUTDOWN_GRACE_SECONDS: "0",
  });
});

afterAll(async () => {
  await stack?.kill();
});

describe("the embedded stack under HTTP fuzzing", () => {
  it(`answers ${RUNS} random requests on every route under 500, in time, and stays up`, async () => {
    const server = stack!;
    const report = await fuzz({
      port: server.port,
      requests: requests([...WEBHOOK_ROUTES, ...API_ROUTES, ...STACK_ROUTES], secrets),
      runs: RUNS,
      concurrency: 12,
      timeoutMs: 5_000,
      seed: SEED,
    });
    const perSecond = Math.round((report.cases / report.ms) * 1000);
    console.info(
      `http fuzz, stack: ${report.cases} cases in ${report.ms} ms (${perSecond}/s); outcomes ${JSON.stringify(report.outcomes)}`,
    );
    expect(report.failure, `stderr tail:\n${server.stderr().slice(-2000)}`).toBeUndefined();
    expect(report.passed, "requests that passed within the runners' time budget").toBe(RUNS);

    // Still up and ready, and nothing it logged was an unexpected error.
    expect(server.alive()).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(200);
    const log = server.stderr();
    expect(log.split("\n").filter((l) => l.includes("unhandled error"))).toEqual([]);
    expect(stackTraceExcerpt(log), "the log holds a stack trace").toBe("");
  });
});

describe("the embedded broker's internal listener under HTTP fuzzing", () => {
  // Its token is the stack's own and never printed, so this stack runs in the test's process.
  const runs = Math.max(1, Math.round(RUNS / 10));
  it(`answers ${runs} random CloudEvents, with and without its token, under 500 and in time`, async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    // The stack logs on this process's stderr (as LOG_LEVEL says): kept to be searched after.
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk, ...rest) => {
      written.push(String(chunk));
      return write(chunk, ...(rest as []));
    });
    let broker: Stack | undefined;
    try {
      broker = await startTestStack(
        { ...secretsEnv(secrets), JOB_CONCURRENCY: "1", MAX_COMBINATIONS: "100" },
        "fuzz-broker",
      );
      const port = Number(new URL(broker.internalBrokerUrl).port);
      const report = await fuzz({
        port,
        requests: requests(BROKER_ROUTES, { ...secrets, brokerToken: broker.brokerToken }),
        runs,
        concurrency: 8,
        timeoutMs: 5_000,
        seed: SEED,
      });
      console.info(
        `http fuzz, broker ingress: ${report.cases} cases in ${report.ms} ms; outcomes ${JSON.stringify(report.outcomes)}`,
      );
      expect(report.failure).toBeUndefined();
      expect(report.passed, "requests that passed within the runners' time budget").toBe(runs);
      const log = written.join("");
      expect(log.split("\n").filter((l) => l.includes("unhandled error"))).toEqual([]);
      expect(stackTraceExcerpt(log), "the log holds a stack trace").toBe("");
    } finally {
      spy.mockRestore();
      await broker?.stop(0);
    }
  });
});

// backtest-job/main.ts as a real process, as the Job's pod runs it: env in, CloudEvents to K_SINK, exit code out.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShardCompleted, ShardFailed, ZixlyEvent } from "../events/index.ts";
import { brokerIngress } from "../platform/broker/broker-ingress.ts";
import { EmbeddedBroker } from "../platform/broker/embedded-broker.ts";
import { quietLog } from "../platform/broker/test-support/fixtures.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import { type SinkServer, startSinkServer } from "./job/test-support/sink-server.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
const REQUEST = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 300, seed: 1 } },
};

/** Runs main.ts with `env` (and PATH only from ours), resolving with its exit code and stderr. */
function job(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, MAIN],
      { env: { PATH: process.env.PATH ?? "", PUBLISH_BACKOFF_MS: "10", ...env } },
      (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

let sink: SinkServer;
beforeAll(async () => {
  sink = await startSinkServer();
});
afterAll(() => sink?.close());

const base = (shard: number, count: number) => ({
  RUN_ID,
  JOB_COMPLETION_INDEX: String(shard),
  SHARD_COUNT: String(count),
  K_SINK: sink.url,
  TRACEPARENT: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
});

describe("backtest-job/main.ts as a process", () => {
  it("two shards run separately publish parts that cover every combination once, and exit 0", async () => {
    sink.events.length = 0;
    const request = JSON.stringify(REQUEST);
    const results = await Promise.all([0, 1].map((i) => job({ ...base(i, 2), REQUEST: request })));
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const parts = sink.events.map((e) => e.data as ShardCompleted);
    expect(sink.events.map((e) => e.id).sort()).toEqual([`${RUN_ID}/0/0`, `${RUN_ID}/1/0`]);
    expect(sink.events.every((e) => e.source === "/zixly/backtest-job")).toBe(true);
    expect(parts.flatMap((p) => p.rows.map((r) => r[0])).sort()).toEqual([0, 1, 2, 3]);
    expect(parts.every((p) => p.best && p.metrics?.evaluated === 2)).toBe(true);
    // Logs are JSON lines naming the run and shard.
    const line = JSON.parse(results[0].stderr.split("\n")[0]);
    expect(line).toMatchObject({
      component: "backtest-job",
      runId: RUN_ID,
      shard: "0/2",
      traceparent: base(0, 2).TRACEPARENT,
      message: "shard started",
    });
  });

  it("a bad request publishes shard.failed bad_input and exits 2", async () => {
    sink.events.length = 0;
    const { code } = await job({
      ...base(0, 1),
      REQUEST: JSON.stringify({ ...REQUEST, strategy: "nope" }),
    });
    expect(code).toBe(2);
    expect(sink.events.map((e) => e.id)).toEqual([`${RUN_ID}/0/failed`]);
    expect(sink.events[0].data as ShardFailed).toMatchObject({ code: "bad_input", exitCode: 2 });
  });

  it("exits 75 when the sink is down", async () => {
    const { code, stderr } = await job({
      ...base(0, 1),
      REQUEST: JSON.stringify(REQUEST),
      K_SINK: "http://127.0.0.1:9/",
    });
    expect(code).toBe(75);
    expect(stderr).toMatch(/"message":"shard failed".*"code":"transient"/);
  });
});

describe("backtest-job/main.ts against a broker that requires a token", () => {
  const TOKEN = randomBytes(32).toString("base64url");
  const received: ZixlyEvent[] = [];
  let server: Server;
  let broker: EmbeddedBroker;
  let url: string;
  beforeAll(async () => {
    broker = new EmbeddedBroker({
      triggers: [{ name: "t", type: "com.zixly.backtest.shard.completed.v1", subscriber: "s" }],
      delivery: { retry: 0, backoffPolicy: "exponential", backoffDelayMs: 0 },
      subscribers: {
        s: async (event) => {
          received.push(event);
          return { status: 200 };
        },
      },
      log: quietLog(),
    });
    server = createServer(brokerIngress(broker, { token: TOKEN, log: quietLog() }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/broker/default`;
  });
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  const env = () => ({ ...base(0, 1), K_SINK: url, REQUEST: JSON.stringify(REQUEST) });

  it("reports with BROKER_TOKEN, and with the token in K_SINK_TOKEN_FILE", async () => {
    received.length = 0;
    expect((await job({ ...env(), BROKER_TOKEN: TOKEN })).code).toBe(0);
    const file = join(tempDir("job-token-"), "token");
    writeFileSync(file, `${TOKEN}\n`);
    expect((await job({ ...env(), K_SINK_TOKEN_FILE: file })).code).toBe(0);
    // Both runs of the one shard reached the broker; its subscriber got both deliveries.
    await broker.drain(5_000);
    expect(received.map((e) => e.id)).toEqual([`${RUN_ID}/0/0`, `${RUN_ID}/0/0`]);
  });

  it("without the token or with a wrong one, nothing is accepted and the Job does not exit 0", async () => {
    received.length = 0;
    const wrong = randomBytes(32).toString("base64url");
    const variants: Record<string, string>[] = [{}, { BROKER_TOKEN: wrong }];
    for (const extra of variants) {
      const { code, stderr } = await job({ ...env(), ...extra });
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/answered 401/);
      expect(stderr).not.toContain(wrong);
    }
    expect(received).toEqual([]);
  });

  it("exits 1 before any work when BROKER_TOKEN is too short, without printing it", async () => {
    const { code, stderr } = await job({ ...env(), BROKER_TOKEN: "short-token" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/BROKER_TOKEN/);
    expect(stderr).not.toContain("short-token");
  });
});

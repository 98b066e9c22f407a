// backtest-job/main.ts as a real process, as the Job's pod runs it: env in, CloudEvents to K_SINK, exit code out.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShardCompleted, ShardFailed } from "../events/index.ts";
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

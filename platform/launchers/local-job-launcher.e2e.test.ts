// One real launch: LocalJobLauncher starts backtest-job/main.ts for each shard, and the shards report to a sink.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SinkServer,
  startSinkServer,
} from "../../backtest-job/job/test-support/sink-server.ts";
import type { BacktestRequest, Publisher, ShardCompleted } from "../../events/index.ts";
import type { Logger } from "../log.ts";
import { LocalJobLauncher } from "./local-job-launcher.ts";

const RUN_ID = "run_e2e2e2e2e2e2e2e2e2e2e2e2e2";
const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT,
};

const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 300, seed: 1 } },
  sort: "sharpeRatio",
};

let sink: SinkServer;
beforeAll(async () => {
  sink = await startSinkServer();
});
afterAll(() => sink?.close());

describe("LocalJobLauncher with the real Job", () => {
  it("runs every shard of a run through backtest-job/main.ts; the parts cover each combination once", async () => {
    const launcherEvents: unknown[] = [];
    const publisher: Publisher = { publish: async (e) => void launcherEvents.push(e) };
    const launcher = new LocalJobLauncher({
      sinkUrl: sink.url,
      publisher,
      concurrency: 2,
      deadlineSeconds: 60,
      env: { JOB_WORKERS: "1" },
      echoStderr: false,
      log: SILENT,
    });
    const shards = [0, 1, 2].map((shardIndex) => ({
      runId: RUN_ID,
      shardIndex,
      shardCount: 3,
      request: REQUEST,
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    }));
    await launcher.launch(RUN_ID, shards);
    expect(await launcher.drain(20_000)).toBe(true);
    expect(launcherEvents).toEqual([]);
    expect(sink.events.map((e) => e.id).sort()).toEqual([0, 1, 2].map((i) => `${RUN_ID}/${i}/0`));
    const parts = sink.events.map((e) => e.data as ShardCompleted);
    expect(parts.flatMap((p) => p.rows.map((r) => r[0])).sort()).toEqual([0, 1, 2, 3]);
    expect(sink.events.every((e) => e.traceparent === shards[0].traceparent)).toBe(true);
  });
});

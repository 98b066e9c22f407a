// Both launchers count a run's Job and its shards once, when they really started them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BacktestRequest, Publisher } from "../../events/index.ts";
import type { Logger } from "../log.ts";
import { sample } from "../metrics/test-support/sample.ts";
import type { ShardSpec } from "../ports.ts";
import { KubernetesJobLauncher } from "./kubernetes-job-launcher.ts";
import { LocalJobLauncher } from "./local-job-launcher.ts";
import { FakeKubeApi } from "./test-support/fake-kube-api.ts";

const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT,
};
const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: 5, slow: 20 },
  data: { synthetic: { bars: 100, seed: 1 } },
  sort: "sharpeRatio",
};
const shards = (runId: string, count: number): ShardSpec[] =>
  Array.from({ length: count }, (_, shardIndex) => ({
    runId,
    shardIndex,
    shardCount: count,
    request: REQUEST,
  }));

async function launched(launcher: string): Promise<[number, number]> {
  return [
    await sample("zixly_jobs_launched_total", { launcher }),
    await sample("zixly_shards_launched_total", { launcher }),
  ];
}

describe("LocalJobLauncher metrics", () => {
  it("counts a run and its shards once, and a second launch of the run not at all", async () => {
    const publisher: Publisher = { publish: async () => undefined };
    const launcher = new LocalJobLauncher({
      sinkUrl: "http://broker.local/",
      publisher,
      concurrency: 2,
      deadlineSeconds: 10,
      command: { file: process.execPath, args: ["-e", "process.exit(0)"] },
      echoStderr: false,
      log: SILENT,
    });
    const runId = `run_${"m".repeat(26)}`;
    const [jobs, count] = await launched("local");
    await launcher.launch(runId, shards(runId, 3));
    await launcher.launch(runId, shards(runId, 3));
    expect(await launched("local")).toEqual([jobs + 1, count + 3]);
    expect(await launcher.drain(10_000)).toBe(true);
  });
});

describe("KubernetesJobLauncher metrics", () => {
  let api: FakeKubeApi;
  beforeAll(async () => {
    api = await FakeKubeApi.start();
  });
  afterAll(() => api?.close());

  it("counts a created Job, but neither an existing one nor a refused create", async () => {
    const launcher = new KubernetesJobLauncher(api.kubeConfig(), {
      image: "zixly/backtest-job:1",
      namespace: "pipelines",
      parallelism: 2,
      backoffLimitPerIndex: 1,
      deadlineSeconds: 60,
      ttlSecondsAfterFinished: 60,
      sinkUrl: "http://broker.local/",
      jobWorkers: 1,
      dataDir: "data",
      fetchMaxBytes: 1024 * 1024,
      fetchTimeoutMs: 1_000,
      log: SILENT,
    });
    const runId = `run_${"k".repeat(26)}`;
    const [jobs, count] = await launched("kubernetes");
    await launcher.launch(runId, shards(runId, 4));
    await launcher.launch(runId, shards(runId, 4)); // 409 AlreadyExists: a redelivery
    api.failNext(500, "InternalError");
    const other = `run_${"j".repeat(26)}`;
    await expect(launcher.launch(other, shards(other, 2))).rejects.toThrow();
    expect(await launched("kubernetes")).toEqual([jobs + 1, count + 4]);
  });
});

// The reaper with the real Kubernetes client against a fake API server: a run whose Job vanished ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BacktestFailed } from "../../events/index.ts";
import { KubernetesJobLauncher } from "../../platform/launchers/kubernetes-job-launcher.ts";
import { FakeKubeApi } from "../../platform/launchers/test-support/fake-kube-api.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { REQUEST, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { RecordingPublisher } from "../test-support/recording-publisher.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { reap } from "./reaper.ts";

let api: FakeKubeApi;
beforeAll(async () => {
  api = await FakeKubeApi.start();
});
afterAll(() => api?.close());

describe("the reaper, against the Kubernetes API", () => {
  it("ends a running run whose Job is gone, long before its deadline, and leaves one whose Job is there", async () => {
    const store = new MemoryRunStore();
    const publisher = new RecordingPublisher();
    const launcher = new KubernetesJobLauncher(api.kubeConfig(), {
      image: "zixly/backtest-job:test",
      namespace: "zixly",
      parallelism: 2,
      backoffLimitPerIndex: 1,
      deadlineSeconds: 600,
      ttlSecondsAfterFinished: 3600,
      sinkUrl: "http://broker/zixly/default",
      jobWorkers: 1,
      dataDir: "data",
      fetchMaxBytes: 1024,
      fetchTimeoutMs: 1000,
      log: silentLogger(),
    });
    const start = async (name: string, launch: boolean) => {
      const runId = runIdFor(name);
      await store.createRun({
        runId,
        source: "backtest",
        request: REQUEST,
        combinations: 4,
        shardCount: 1,
        traceparent: TRACEPARENT,
      });
      if (launch)
        await launcher.launch(runId, [{ runId, shardIndex: 0, shardCount: 1, request: REQUEST }]);
      await store.markRunning(runId);
      return runId;
    };
    const alive = await start("alive", true);
    const vanished = await start("vanished", true);
    // Someone deletes the Job (kubectl delete job, a namespace reset) before its shards report.
    await launcher.cancel(vanished);
    expect(await launcher.exists(vanished)).toBe(false);

    const report = await reap({
      store,
      publisher,
      launcher,
      log: silentLogger(),
      deadlineSeconds: 600,
      graceSeconds: 300,
      parallelism: 2,
      // Five minutes on: well before the 600 s deadline and its grace.
      now: () => new Date(Date.now() + 5 * 60_000),
    });
    expect(report.reaped).toBe(1);
    expect(await store.getRun(vanished)).toMatchObject({
      status: "failed",
      errorCode: "crashed",
      error: "the run's Job no longer exists and not every shard reported",
    });
    expect((await store.getRun(alive))?.status).toBe("running");
    expect(publisher.events.map((e) => (e.data as BacktestFailed).runId)).toEqual([vanished]);
    // Both runs' Jobs were looked up with a GET; nothing was deleted for the live one.
    const gets = api.requests
      .filter((r) => r.method === "GET")
      .map((r) => r.path.split("/").at(-1));
    expect(gets).toEqual(
      expect.arrayContaining([`bt-${alive.slice(4)}`, `bt-${vanished.slice(4)}`]),
    );
    expect(
      api.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").at(-1)),
    ).toEqual([`bt-${vanished.slice(4)}`]);
  });
});

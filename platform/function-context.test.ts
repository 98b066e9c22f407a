import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Publisher } from "../events/index.ts";
import { loadConfig } from "./config.ts";
import { launcherFor } from "./function-context.ts";
import { KubernetesJobLauncher } from "./launchers/kubernetes-job-launcher.ts";
import { LocalJobLauncher } from "./launchers/local-job-launcher.ts";
import { FakeKubeApi } from "./launchers/test-support/fake-kube-api.ts";
import type { Logger } from "./log.ts";

const SILENT: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT,
};
const publisher: Publisher = { publish: async () => undefined };
const SINK = "http://broker.local/ns/default";

let api: FakeKubeApi;
let dir: string;
beforeAll(async () => {
  api = await FakeKubeApi.start();
  dir = await mkdtemp(path.join(tmpdir(), "kubeconfig-"));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe("launcherFor", () => {
  it("builds the local launcher by default", async () => {
    const launcher = await launcherFor(loadConfig({}), SINK, publisher, SILENT);
    expect(launcher).toBeInstanceOf(LocalJobLauncher);
  });

  it("builds the Kubernetes launcher from JOB_* settings and the default kubeconfig", async () => {
    const kubeconfig = path.join(dir, "config.json");
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "fake", cluster: { server: api.url, "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "tester", user: { token: "test" } }],
        contexts: [{ name: "fake", context: { cluster: "fake", user: "tester" } }],
        "current-context": "fake",
      }),
    );
    vi.stubEnv("KUBECONFIG", kubeconfig);
    const config = loadConfig({
      JOB_LAUNCHER: "kubernetes",
      JOB_IMAGE: "registry.example/backtest-job:9",
      JOB_NAMESPACE: "runs",
      JOB_PARALLELISM: "2",
      KUEUE_QUEUE: "batch",
    });
    const launcher = await launcherFor(config, SINK, publisher, SILENT, {});
    expect(launcher).toBeInstanceOf(KubernetesJobLauncher);

    const runId = `run_${"k".repeat(26)}`;
    await launcher.launch(runId, [
      {
        runId,
        shardIndex: 0,
        shardCount: 1,
        request: {
          strategy: "sma-crossover",
          params: { fast: 5, slow: 20 },
          data: { synthetic: { bars: 50, seed: 3 } },
          sort: "sharpeRatio",
        },
      },
    ]);
    const job = api.job("runs", `bt-${"k".repeat(26)}`) as unknown as {
      metadata: { labels: Record<string, string> };
      spec: {
        suspend?: boolean;
        parallelism: number;
        template: {
          spec: { containers: { image: string; env: { name: string; value: string }[] }[] };
        };
      };
    };
    expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("batch");
    expect(job.spec.suspend).toBe(true);
    expect(job.spec.parallelism).toBe(1);
    const [container] = job.spec.template.spec.containers;
    expect(container.image).toBe("registry.example/backtest-job:9");
    expect(container.env.find((e) => e.name === "K_SINK")?.value).toBe(SINK);
  });
});

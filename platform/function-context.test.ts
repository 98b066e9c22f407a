import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Publisher } from "../events/index.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import { ConfigError, loadConfig } from "./config.ts";
import {
  type FunctionContext,
  launcherFor,
  readinessChecks,
  standaloneContext,
} from "./function-context.ts";
import { Unavailable } from "./http/http-errors.ts";
import { KubernetesJobLauncher } from "./launchers/kubernetes-job-launcher.ts";
import { LocalJobLauncher } from "./launchers/local-job-launcher.ts";
import { FakeKubeApi } from "./launchers/test-support/fake-kube-api.ts";
import type { Logger } from "./log.ts";
import { MemoryRunStore } from "./memory/memory-run-store.ts";

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
  dir = tempDir("kubeconfig-");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await api?.close();
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

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("standaloneContext", () => {
  it("throws a ConfigError naming K_SINK when it is unset", async () => {
    const config = loadConfig({ WEBHOOK_SECRET: SECRET });
    const built = standaloneContext(config, "notify");
    await expect(built).rejects.toBeInstanceOf(ConfigError);
    await expect(built).rejects.toThrow(/K_SINK/);
  });

  it("throws a ConfigError naming WEBHOOK_SECRET when it is unset", async () => {
    const config = loadConfig({ K_SINK: SINK });
    await expect(standaloneContext(config, "notify")).rejects.toThrow(/WEBHOOK_SECRET/);
  });

  it("is built at once with the database down: the store answers 503 and pings false meanwhile", async () => {
    const config = loadConfig({
      K_SINK: SINK,
      WEBHOOK_SECRET: SECRET,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
    });
    const context = await standaloneContext(config, "dispatch-backtest");
    try {
      expect(await context.adapters.store.ping()).toBe(false);
      await expect(context.adapters.store.getRun("run_x")).rejects.toBeInstanceOf(Unavailable);
    } finally {
      await context.adapters.close();
    }
  });
});

describe("readinessChecks", () => {
  const context = (pingCache?: () => Promise<boolean>) =>
    ({
      config: loadConfig({ K_SINK: SINK }),
      adapters: { store: new MemoryRunStore(), pingCache },
    }) as unknown as FunctionContext;

  it("gives exactly the checks a function needs", () => {
    expect(Object.keys(readinessChecks(context(), ["database"]))).toEqual(["database"]);
    expect(Object.keys(readinessChecks(context(), ["database", "broker"]))).toEqual([
      "database",
      "broker",
    ]);
  });

  it("checks redis only when the cache is Redis, not the in-memory stand-ins", async () => {
    expect(Object.keys(readinessChecks(context(), ["redis", "broker"]))).toEqual(["broker"]);
    const checks = readinessChecks(
      context(async () => false),
      ["redis", "broker"],
    );
    expect(Object.keys(checks)).toEqual(["redis", "broker"]);
    expect(await checks.redis(new AbortController().signal)).toBe(false);
  });

  it("checks the database with the store's ping", async () => {
    const ctx = context();
    const { database } = readinessChecks(ctx, ["database"]);
    expect(await database(new AbortController().signal)).toBe(true);
    await ctx.adapters.store.close();
    expect(await database(new AbortController().signal)).toBe(false);
  });
});

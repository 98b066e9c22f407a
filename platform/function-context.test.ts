import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEvent, type Publisher } from "../events/index.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import { ConfigError, loadConfig } from "./config.ts";
import {
  type FunctionContext,
  launcherFor,
  localLauncher,
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
  debug: () => undefined,
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

  it("gives Kubernetes Jobs ALLOW_INSECURE_URLS and, with a token file and audience, a projected token", async () => {
    const kubeconfig = path.join(dir, "config-oidc.json");
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
    const audience = "eventing.knative.dev/broker/runs/default";
    const launch = async (env: Record<string, string>, letter: string) => {
      const config = loadConfig({ JOB_LAUNCHER: "kubernetes", JOB_NAMESPACE: "runs", ...env });
      const runId = `run_${letter.repeat(26)}`;
      const launcher = await launcherFor(config, SINK, publisher, SILENT, {});
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
      return api.job("runs", `bt-${letter.repeat(26)}`) as unknown as {
        spec: {
          template: {
            spec: {
              volumes: { name: string; projected?: unknown }[];
              containers: { env: { name: string; value: string }[] }[];
            };
          };
        };
      };
    };
    const envOf = (job: Awaited<ReturnType<typeof launch>>) =>
      Object.fromEntries(job.spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));

    const oidc = await launch(
      {
        K_SINK_TOKEN_FILE: "/var/run/token",
        K_SINK_AUDIENCE: audience,
        ALLOW_INSECURE_URLS: "true",
      },
      "m",
    );
    expect(oidc.spec.template.spec.volumes.map((v) => v.name)).toContain("broker-token");
    expect(envOf(oidc)).toMatchObject({
      ALLOW_INSECURE_URLS: "true",
      K_SINK_TOKEN_FILE: "/var/run/secrets/zixly.com/broker/token",
    });
    // An audience alone is no token of this process's: the Jobs get none either.
    const plain = await launch({ K_SINK_AUDIENCE: audience }, "n");
    expect(plain.spec.template.spec.volumes.map((v) => v.name)).toEqual(["tmp"]);
    expect(envOf(plain)).toMatchObject({ ALLOW_INSECURE_URLS: "false" });
    expect(envOf(plain)).not.toHaveProperty("K_SINK_TOKEN_FILE");
  });
});

describe("localLauncher", () => {
  /** The environment a child of `localLauncher(config, sink)` starts with. */
  async function childEnv(
    env: Record<string, string>,
    sink: { url: string; token?: string },
  ): Promise<Record<string, string>> {
    const out = path.join(tempDir("child-env-"), "env.json");
    const script = `require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`;
    const launcher = localLauncher(loadConfig(env), sink, publisher, SILENT, {
      command: { file: process.execPath, args: ["-e", script] },
      echoStderr: false,
    });
    const runId = `run_${"l".repeat(26)}`;
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
    expect(await launcher.drain(10_000)).toBe(true);
    return JSON.parse(await readFile(out, "utf8")) as Record<string, string>;
  }

  it("gives each child the sink's token as BROKER_TOKEN and ALLOW_INSECURE_URLS as configured", async () => {
    const token = "p".repeat(43);
    const env = await childEnv({ ALLOW_INSECURE_URLS: "true" }, { url: SINK, token });
    expect(env).toMatchObject({ K_SINK: SINK, BROKER_TOKEN: token, ALLOW_INSECURE_URLS: "true" });
    expect(env).not.toHaveProperty("K_SINK_TOKEN_FILE");
  });

  it("passes this process's K_SINK_TOKEN_FILE when the sink has no token, and nothing without either", async () => {
    const env = await childEnv({ K_SINK_TOKEN_FILE: "/var/run/token" }, { url: SINK });
    expect(env).toMatchObject({
      K_SINK_TOKEN_FILE: "/var/run/token",
      ALLOW_INSECURE_URLS: "false",
    });
    expect(env).not.toHaveProperty("BROKER_TOKEN");
    const bare = await childEnv({}, { url: SINK });
    expect(bare).not.toHaveProperty("BROKER_TOKEN");
    expect(bare).not.toHaveProperty("K_SINK_TOKEN_FILE");
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

  it("publishes to K_SINK with BROKER_TOKEN as a bearer token", async () => {
    const seen: (string | undefined)[] = [];
    const sink = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on("end", () => res.writeHead(202).end());
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    const token = "b".repeat(40);
    const config = loadConfig({
      K_SINK: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/broker/default`,
      WEBHOOK_SECRET: SECRET,
      BROKER_TOKEN: token,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
    });
    const context = await standaloneContext(config, "record-result");
    try {
      await context.publisher.publish(
        createEvent(
          "com.zixly.backtest.shard.progress.v1",
          { runId: `run_${"a".repeat(26)}`, shard: { index: 0, count: 1 }, done: 0, total: 1 },
          { id: "p", source: "/test" },
        ),
      );
      expect(seen).toEqual([`Bearer ${token}`]);
    } finally {
      await context.adapters.close();
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it("throws a ConfigError for two kinds of broker credentials, or an audience without a token", async () => {
    const both = loadConfig({
      K_SINK: SINK,
      WEBHOOK_SECRET: SECRET,
      BROKER_TOKEN: "b".repeat(40),
      K_SINK_TOKEN_FILE: "/var/run/token",
    });
    await expect(standaloneContext(both, "notify")).rejects.toBeInstanceOf(ConfigError);
    const audienceOnly = loadConfig({ K_SINK: SINK, WEBHOOK_SECRET: SECRET, K_SINK_AUDIENCE: "a" });
    await expect(standaloneContext(audienceOnly, "notify")).rejects.toThrow(/K_SINK_AUDIENCE/);
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

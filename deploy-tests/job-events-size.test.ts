// The ApiServerSource sends each backtest Job whole (mode Resource): the largest Job the launcher
// builds must fit watch-jobs' body limit and the Kafka broker's message size.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../platform/config.ts";
import { buildJobSpec, MAX_REQUEST_ENV_BYTES } from "../platform/launchers/job-spec.ts";
import { HAS_KUBECTL, kubectlTitle, named, renderOverlay } from "./render.ts";
import { containerEnv, dataByName } from "./workloads.ts";

/** The Kafka broker's default message size: the producer's max.request.size, 1 MiB. */
const KAFKA_MESSAGE_BYTES = 1_048_576;
/** The old limit watch-jobs inherited from the ConfigMap, which a large Job passed. */
const SHARED_LIMIT = 262_144;

const RUN_ID = `run_${"c".repeat(13)}${"4".repeat(13)}`;

/**
 * JSON as Go's encoding/json writes it (the API server, and the ApiServerSource adapter that
 * marshals the object into the event): `<`, `>`, `&`, U+2028 and U+2029 become six bytes each.
 */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/**
 * The largest Job the launcher builds, as the API server returns it: a request whose JSON
 * fills REQUEST to its cap with the characters Go escapes widest, 64 shards, and the metadata
 * and status the server adds.
 */
function largestJob(): object {
  const base = {
    strategy: "sma-crossover",
    params: { fast: [5, 10], slow: 20 },
    data: { synthetic: { bars: 100, seed: 1 } },
    sort: "sharpeRatio",
    label: "",
  };
  const room = MAX_REQUEST_ENV_BYTES - Buffer.byteLength(JSON.stringify(base));
  const request = { ...base, label: "<".repeat(room) };
  const shards = Array.from({ length: 64 }, (_, i) => ({
    runId: RUN_ID,
    shardIndex: i,
    shardCount: 64,
    request,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  }));
  const job = buildJobSpec(RUN_ID, shards as never, {
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/zixly_backtest-job:v1-abcdef",
    namespace: "zixly",
    parallelism: 16,
    backoffLimitPerIndex: 1,
    deadlineSeconds: 600,
    ttlSecondsAfterFinished: 3600,
    sinkUrl: "http://kafka-broker-ingress.knative-eventing.svc.cluster.local/zixly/default",
    jobWorkers: 1,
    dataDir: "data",
    fetchMaxBytes: 52_428_800,
    fetchTimeoutMs: 30_000,
    serviceAccountName: loadConfig({}).JOB_SERVICE_ACCOUNT,
    sinkTokenAudience: "eventing.knative.dev/broker/zixly/default",
  });
  const condition = {
    type: "Failed",
    status: "True",
    reason: "FailedIndexes",
    message: "Job has failed indexes",
    lastProbeTime: "2026-01-01T00:00:00Z",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  };
  return {
    ...job,
    metadata: {
      ...job.metadata,
      uid: "0b9d3c9e-7f1c-4c4e-9d0a-1f2e3d4c5b6a",
      resourceVersion: "123456789",
      generation: 1,
      creationTimestamp: "2026-01-01T00:00:00Z",
      // Field names only, one entry per writer; generous for the Job controller's status.
      managedFields: Array.from({ length: 3 }, () => ({
        manager: "kube-controller-manager",
        operation: "Update",
        apiVersion: "batch/v1",
        time: "2026-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:status": { "f:conditions": {}, "f:failedIndexes": {}, "f:ready": {} } },
      })),
    },
    status: {
      conditions: [condition, { ...condition, type: "FailureTarget" }],
      failed: 64,
      failedIndexes: Array.from({ length: 64 }, (_, i) => i).join(","),
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      startTime: "2026-01-01T00:00:00Z",
    },
  };
}

describe("the ApiServerSource's Job events", () => {
  const body = Buffer.byteLength(goJson(largestJob()));

  it("fit the Kafka broker's default message size even for the largest Job", () => {
    expect(body).toBeGreaterThan(5 * MAX_REQUEST_ENV_BYTES);
    expect(body).toBeLessThan(KAFKA_MESSAGE_BYTES - 16 * 1024);
  });

  describe.skipIf(!HAS_KUBECTL)(kubectlTitle("watch-jobs' body limit"), () => {
    it.each(["kind", "eks"] as const)(
      "regression: overlay %s lets watch-jobs take the largest Job event",
      (overlay) => {
        const objects = renderOverlay(overlay);
        const service = named(objects, "Service", "watch-jobs");
        const secrets = dataByName(objects, "Secret");
        // eks ships no Secret: stand-ins for the keys the functions read.
        if (secrets.size === 0) {
          secrets.set("zixly-secrets", {
            WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            DATABASE_URL: "postgres://u:p@db:5432/z",
            REDIS_URL: "rediss://c:6379",
          });
        }
        const env = containerEnv(
          service,
          service.spec.template.spec.containers[0],
          dataByName(objects, "ConfigMap"),
          secrets,
        );
        const limit = loadConfig(env).MAX_BODY_BYTES;
        // The shared 256 KiB refused it with 413, and the Broker retried it into dead letters.
        expect(body).toBeGreaterThan(SHARED_LIMIT);
        expect(limit).toBeGreaterThanOrEqual(body);
        expect(limit).toBeLessThanOrEqual(KAFKA_MESSAGE_BYTES);
        // Every other function keeps the shared limit.
        expect(limit).toBeGreaterThan(
          Number(dataByName(objects, "ConfigMap").values().next().value?.MAX_BODY_BYTES),
        );
      },
    );
  });
});

// Builds the one Indexed batch/v1 Job that runs every shard of a run: a pure function of its inputs.
import type { V1Job } from "@kubernetes/client-node";
import { RunIdSchema } from "../../events/index.ts";
import type { ShardSpec } from "../ports.ts";
import { resourcesFor, TMP_SIZE_LIMIT } from "./size-classes.ts";

/**
 * Exit code 2 of backtest-job/main.ts: bad input, which no retry can fix
 * (backtest-job/job/exit-codes.ts; platform may not import the Job, a test checks they agree).
 */
export const BAD_INPUT_EXIT_CODE = 2;

/** The container's name, which the podFailurePolicy exit-code rule names too. */
export const CONTAINER_NAME = "backtest";

/** The uid and gid the Job runs as; the image must not need root. */
export const JOB_UID = 10001;

/** Label that finds every Job and pod of a run. */
export const RUN_ID_LABEL = "zixly.com/run-id";
/** Kueue admits Jobs that carry this label and were created suspended. */
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

/**
 * The environment contract of backtest-job/main.ts (backtest-job/job/job-env.ts). The names are
 * fixed here; only values come from the run. JOB_COMPLETION_INDEX is absent on purpose: the
 * Job controller sets it on each pod of an Indexed Job.
 */
export const JOB_ENV_NAMES = [
  "RUN_ID",
  "SHARD_COUNT",
  "K_SINK",
  "REQUEST",
  "TRACEPARENT",
  "DATA_DIR",
  "JOB_WORKERS",
  "FETCH_MAX_BYTES",
  "FETCH_TIMEOUT_MS",
  "ALLOW_INSECURE_URLS",
] as const;
export type JobEnvName = (typeof JOB_ENV_NAMES)[number];

/**
 * Linux refuses a single environment string over 128 KiB (MAX_ARG_STRLEN) and the container
 * would never start. REQUEST is the largest: inline CSV is capped at 48 KiB, but JSON escaping
 * can grow it, so it is checked here rather than failing inside the kubelet.
 */
export const MAX_REQUEST_ENV_BYTES = 120 * 1024;

/** What the operator configures; nothing here comes from a request. */
export interface JobSpecOptions {
  /** The backtest-job image; its entrypoint and arguments are used as they are. */
  readonly image: string;
  readonly namespace: string;
  /** Pods of one Job running at once. */
  readonly parallelism: number;
  /** Re-runs per shard index after a crash or exit 75; never after exit 2. */
  readonly backoffLimitPerIndex: number;
  /** Seconds one shard may run; the Job's activeDeadlineSeconds allows one per wave of pods. */
  readonly deadlineSeconds: number;
  /** How long a finished Job (and its pods and logs) is kept. */
  readonly ttlSecondsAfterFinished: number;
  /** K_SINK of the pods: where their events go. */
  readonly sinkUrl: string;
  /** A Kueue LocalQueue; set, the Job is created suspended for Kueue to admit. */
  readonly kueueQueue?: string;
  readonly jobWorkers: number;
  readonly dataDir: string;
  readonly fetchMaxBytes: number;
  readonly fetchTimeoutMs: number;
  /** An OTLP/HTTP collector; set, each pod sends its shard's span there (docs/tracing.md). */
  readonly otlpEndpoint?: string;
  /**
   * A PersistentVolumeClaim holding the data sets that `{"path": ...}` requests name. Set, it
   * is mounted read-only at {@link DATA_MOUNT} and DATA_DIR points there; unset, Jobs can
   * only use inline, url and synthetic data.
   */
  readonly dataClaim?: string;
  /** Whether data urls may be plain http or private hosts (ALLOW_INSECURE_URLS); default false. */
  readonly allowInsecureUrls?: boolean;
  /**
   * The audience of the broker's OIDC tokens (K_SINK_AUDIENCE). Set, each pod gets a
   * projected service-account token for it at {@link BROKER_TOKEN_FILE}, and K_SINK_TOKEN_FILE
   * says so: Knative's broker takes events only from senders that present one.
   */
  readonly sinkTokenAudience?: string;
  /**
   * The pods' service account (JOB_SERVICE_ACCOUNT): an identity of their own, so a policy
   * can name the Jobs as senders (knative/components/broker-oidc) without also admitting
   * every pod that runs as the namespace's `default`.
   */
  readonly serviceAccountName?: string;
}

/** Where a data claim is mounted in Job pods. */
export const DATA_MOUNT = "/data";

/** Where the projected broker token is mounted, and the file the Job reads it from. */
export const BROKER_TOKEN_MOUNT = "/var/run/secrets/zixly.com/broker";
export const BROKER_TOKEN_FILE = `${BROKER_TOKEN_MOUNT}/token`;
/**
 * Lifetime of the projected broker token. The kubelet rewrites it at 80 % of that, and the
 * Job re-reads the file (platform/broker/broker-credentials.ts), so a shard may run longer.
 */
export const BROKER_TOKEN_SECONDS = 3600;

/** `bt-` and the 26 base32 characters of the run id: 29 characters, a DNS-1123 label. */
export function jobName(runId: string): string {
  if (!RunIdSchema.safeParse(runId).success) throw new TypeError(`not a run id: ${runId}`);
  return `bt-${runId.slice("run_".length)}`;
}

/** The labels of a run's Job and of its pods. */
export function jobLabels(runId: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "backtest-job",
    "app.kubernetes.io/part-of": "zixly-pipelines",
    "app.kubernetes.io/managed-by": "zixly-dispatch",
    "app.kubernetes.io/component": "backtest",
    [RUN_ID_LABEL]: runId,
  };
}

/**
 * activeDeadlineSeconds bounds the whole Job, while JOB_DEADLINE_SECONDS is per shard (as in
 * the local launcher): with more shards than parallelism the pods run in waves, and each wave
 * gets a full deadline. A reaper that fails stuck runs must allow at least as much.
 * @example jobDeadlineSeconds(600, 10, 4) // 1800: three waves
 */
export function jobDeadlineSeconds(
  deadlineSeconds: number,
  shardCount: number,
  parallelism: number,
): number {
  return deadlineSeconds * Math.ceil(shardCount / Math.max(1, Math.min(shardCount, parallelism)));
}

/**
 * The Job for `shards`, which must be every shard of `runId` (indexes 0..n-1, one request).
 * @throws {TypeError} for a bad run id or inconsistent shards; {@link RangeError} when the
 *   request is too large for an environment variable.
 */
export function buildJobSpec(
  runId: string,
  shards: readonly ShardSpec[],
  options: JobSpecOptions,
): V1Job {
  const name = jobName(runId);
  checkShards(runId, shards);
  const first = shards[0];
  const count = shards.length;
  const request = JSON.stringify(first.request);
  if (Buffer.byteLength(request) > MAX_REQUEST_ENV_BYTES) {
    throw new RangeError(
      `run ${runId}: the request is ${Buffer.byteLength(request)} bytes as JSON, more than the ${MAX_REQUEST_ENV_BYTES} an environment variable may hold`,
    );
  }
  const values: Record<JobEnvName, string | undefined> = {
    RUN_ID: runId,
    SHARD_COUNT: String(count),
    K_SINK: options.sinkUrl,
    REQUEST: request,
    TRACEPARENT: first.traceparent,
    DATA_DIR: options.dataClaim ? DATA_MOUNT : options.dataDir,
    JOB_WORKERS: String(options.jobWorkers),
    FETCH_MAX_BYTES: String(options.fetchMaxBytes),
    FETCH_TIMEOUT_MS: String(options.fetchTimeoutMs),
    ALLOW_INSECURE_URLS: String(options.allowInsecureUrls ?? false),
  };
  const env: { name: string; value: string }[] = JOB_ENV_NAMES.flatMap((key) => {
    const value = values[key];
    return value === undefined || value === "" ? [] : [{ name: key, value }];
  });
  // Optional, so outside the contract above: the Job runs the same without it.
  if (options.otlpEndpoint)
    env.push({ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: options.otlpEndpoint });
  const audience = options.sinkTokenAudience;
  const brokerToken = audience !== undefined && audience !== "";
  if (brokerToken) env.push({ name: "K_SINK_TOKEN_FILE", value: BROKER_TOKEN_FILE });
  const parallelism = Math.min(count, options.parallelism);
  const labels = jobLabels(runId);
  const kueue = options.kueueQueue !== undefined && options.kueueQueue !== "";

  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: options.namespace,
      labels: kueue ? { ...labels, [KUEUE_QUEUE_LABEL]: options.kueueQueue! } : labels,
    },
    spec: {
      completionMode: "Indexed",
      completions: count,
      parallelism,
      // Per index, so one flaky shard does not spend the retries of the others. It needs
      // restartPolicy Never, and leaves backoffLimit at its default (unlimited over the Job).
      backoffLimitPerIndex: options.backoffLimitPerIndex,
      // One failed shard fails the run (record-result fails it on the first shard.failed), so
      // the Job should stop at once instead of running the remaining indexes for nothing.
      maxFailedIndexes: 0,
      podFailurePolicy: {
        rules: [
          // An eviction, preemption or node drain says nothing about the shard: retry without
          // counting. First, so the exit code of a pod killed that way is not read as a verdict.
          // (A pod evicted for filling /tmp is a disruption too; activeDeadlineSeconds ends that.)
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          // Bad input: the Job has published its own shard.failed; a retry would fail the same way.
          {
            action: "FailIndex",
            onExitCodes: {
              containerName: CONTAINER_NAME,
              operator: "In",
              values: [BAD_INPUT_EXIT_CODE],
            },
          },
        ],
      },
      activeDeadlineSeconds: jobDeadlineSeconds(options.deadlineSeconds, count, parallelism),
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      // Kueue unsuspends the Job when it admits it; the deadline only runs while unsuspended.
      ...(kueue ? { suspend: true } : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          // The Job talks to the broker only, never to the Kubernetes API: no API token. The
          // broker's token, if any, is a projected volume of its own, for the broker only.
          automountServiceAccountToken: false,
          ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
          enableServiceLinks: false,
          // Pod Security Standards "restricted".
          securityContext: {
            runAsNonRoot: true,
            runAsUser: JOB_UID,
            runAsGroup: JOB_UID,
            fsGroup: JOB_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: CONTAINER_NAME,
              // The operator's image with its own entrypoint: nothing here runs a request's words.
              image: options.image,
              env,
              resources: resourcesFor(first.request.size),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                ...(options.dataClaim
                  ? [{ name: "data", mountPath: DATA_MOUNT, readOnly: true }]
                  : []),
                ...(brokerToken
                  ? [{ name: "broker-token", mountPath: BROKER_TOKEN_MOUNT, readOnly: true }]
                  : []),
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
            ...(options.dataClaim
              ? [
                  {
                    name: "data",
                    persistentVolumeClaim: { claimName: options.dataClaim, readOnly: true },
                  },
                ]
              : []),
            ...(brokerToken
              ? [
                  {
                    name: "broker-token",
                    projected: {
                      sources: [
                        {
                          serviceAccountToken: {
                            audience,
                            expirationSeconds: BROKER_TOKEN_SECONDS,
                            path: "token",
                          },
                        },
                      ],
                    },
                  },
                ]
              : []),
          ],
        },
      },
    },
  };
}

/** The launcher hands over all of a run's shards at once; anything else is a caller's bug. */
function checkShards(runId: string, shards: readonly ShardSpec[]): void {
  if (shards.length === 0) throw new TypeError(`run ${runId}: no shards to launch`);
  const first = shards[0];
  shards.forEach((shard, i) => {
    if (shard.runId !== runId) {
      throw new TypeError(`run ${runId}: shard ${i} belongs to run ${shard.runId}`);
    }
    if (shard.shardIndex !== i || shard.shardCount !== shards.length) {
      throw new TypeError(
        `run ${runId}: shard ${i} is ${shard.shardIndex} of ${shard.shardCount}, expected ${i} of ${shards.length}`,
      );
    }
    // One Job has one pod template: every index gets the same REQUEST and TRACEPARENT.
    if (
      shard.request !== first.request &&
      JSON.stringify(shard.request) !== JSON.stringify(first.request)
    ) {
      throw new TypeError(`run ${runId}: shard ${i} has a different request`);
    }
    if (shard.traceparent !== first.traceparent) {
      throw new TypeError(`run ${runId}: shard ${i} has a different traceparent`);
    }
  });
}

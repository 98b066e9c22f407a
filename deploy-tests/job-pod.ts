// The pod template of a backtest Job as platform/launchers/job-spec.ts builds it, for tests that
// check the manifests against what the launcher really creates (labels, service account).
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import type { BacktestRequest } from "../events/index.ts";
import { loadConfig } from "../platform/config.ts";
import { buildJobSpec, type JobSpecOptions } from "../platform/launchers/job-spec.ts";

const RUN_ID = `run_${"a".repeat(13)}${"2".repeat(13)}`;

export const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: 20 },
  data: { synthetic: { bars: 100, seed: 1 } },
  sort: "sharpeRatio",
};

/**
 * The operator's settings; none of them changes the pod's labels. The account is
 * JOB_SERVICE_ACCOUNT's default, which the manifests set nowhere.
 */
export const OPTIONS: JobSpecOptions = {
  image: "zixly/backtest-job",
  namespace: "zixly",
  parallelism: 1,
  backoffLimitPerIndex: 0,
  deadlineSeconds: 60,
  ttlSecondsAfterFinished: 60,
  sinkUrl: "http://broker-ingress.knative-eventing.svc.cluster.local/zixly/default",
  jobWorkers: 1,
  dataDir: "data",
  fetchMaxBytes: 1024,
  fetchTimeoutMs: 1000,
  serviceAccountName: loadConfig({}).JOB_SERVICE_ACCOUNT,
};

/** The pod template of a one-shard Job. */
export function jobPodTemplate(): V1PodTemplateSpec {
  const job = buildJobSpec(
    RUN_ID,
    [{ runId: RUN_ID, shardIndex: 0, shardCount: 1, request: REQUEST }],
    OPTIONS,
  );
  if (!job.spec?.template) throw new Error("buildJobSpec returned no pod template");
  return job.spec.template;
}

/** The service account a Job's pods run as: the template's, else the namespace's `default`. */
export function jobServiceAccount(): string {
  return jobPodTemplate().spec?.serviceAccountName ?? "default";
}

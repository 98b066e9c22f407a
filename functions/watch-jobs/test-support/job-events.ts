// Jobs as the API server reports them, and the ApiServerSource and PingSource events that carry them.
import { CloudEvent } from "cloudevents";
import {
  apiServerResourceAdd,
  apiServerResourceDelete,
  apiServerResourceUpdate,
  type JobCondition,
  pingSourcePing,
} from "../../../events/index.ts";
import { jobLabels, jobName } from "../../../platform/launchers/job-spec.ts";

/** The ApiServerSource's `source`: the API server it watches. */
export const API_SERVER = "https://10.96.0.1:443";

export interface JobShape {
  readonly conditions?: JobCondition[];
  readonly failedIndexes?: string;
  /** Replaces the launcher's labels. */
  readonly labels?: Record<string, string>;
  readonly kind?: string;
}

/** A run's Job as `kubectl get job -o json` shows it, with the launcher's name and labels. */
export function jobObject(runId: string, shape: JobShape = {}): Record<string, unknown> {
  return {
    apiVersion: "batch/v1",
    kind: shape.kind ?? "Job",
    metadata: {
      name: jobName(runId),
      namespace: "zixly",
      uid: "6f1c1f5e-2b1e-4c1a-9d1e-0a0b0c0d0e0f",
      resourceVersion: "4711",
      labels: shape.labels ?? jobLabels(runId),
    },
    spec: { completionMode: "Indexed", completions: 2, parallelism: 2, backoffLimitPerIndex: 1 },
    status: {
      startTime: "2030-01-01T00:00:00Z",
      active: 0,
      ...(shape.failedIndexes !== undefined ? { failedIndexes: shape.failedIndexes } : {}),
      ...(shape.conditions ? { conditions: shape.conditions } : {}),
      uncountedTerminatedPods: {},
    },
  };
}

/** A condition that holds, e.g. failedCondition("DeadlineExceeded", "Job was active longer…"). */
export function failedCondition(reason: string, message: string, type = "Failed"): JobCondition {
  return {
    type,
    status: "True",
    reason,
    message,
    lastProbeTime: "2030-01-01T00:10:00Z",
    lastTransitionTime: "2030-01-01T00:10:00Z",
  };
}

let counter = 0;

/** An ApiServerSource event (mode Resource): the whole object as data, kind/name/namespace as extensions. */
export function resourceEvent(
  data: unknown,
  change: "add" | "update" | "delete" = "update",
  extensions: Record<string, string> = {},
): CloudEvent<unknown> {
  const type = {
    add: apiServerResourceAdd.type,
    update: apiServerResourceUpdate.type,
    delete: apiServerResourceDelete.type,
  }[change];
  const metadata = (data as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
  counter += 1;
  return new CloudEvent<unknown>(
    {
      specversion: "1.0",
      // The source gives every event a fresh uuid.
      id: `2b0b8f2e-0000-4000-8000-${String(counter).padStart(12, "0")}`,
      source: API_SERVER,
      type,
      datacontenttype: "application/json",
      data,
      kind: (data as { kind?: string } | null)?.kind ?? "Job",
      name: metadata?.name ?? "unknown",
      namespace: metadata?.namespace ?? "zixly",
      ...extensions,
    },
    false,
  );
}

/** A PingSource tick. */
export function pingEvent(id = `ping-${++counter}`): CloudEvent<unknown> {
  return new CloudEvent<unknown>(
    {
      specversion: "1.0",
      id,
      source: "/apis/v1/namespaces/zixly/pingsources/reaper",
      type: pingSourcePing.type,
      datacontenttype: "application/json",
      data: { task: "reap" },
    },
    false,
  );
}

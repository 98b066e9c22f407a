// dev.knative.apiserver.resource.*: what an ApiServerSource (mode Resource) emits, and the Job we read of it.
import { z } from "zod";
import { defineEvent } from "./common.ts";

/**
 * Any Kubernetes object, as the source sends it whole in `data`. Loose: the API server adds
 * fields over time and we read only these.
 */
export const KubernetesObjectData = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});
export type KubernetesObject = z.infer<typeof KubernetesObjectData>;

/** One entry of `status.conditions` (batch/v1 JobCondition). */
export const JobConditionSchema = z.looseObject({
  /** Complete, Failed, FailureTarget, SuccessCriteriaMet, Suspended. */
  type: z.string(),
  status: z.string(),
  /** E.g. DeadlineExceeded, BackoffLimitExceeded, FailedIndexes, PodFailurePolicy. */
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
export type JobCondition = z.infer<typeof JobConditionSchema>;

/** A batch/v1 Job, reduced to what tells whether it failed and which index. */
export const KubernetesJobData = KubernetesObjectData.extend({
  kind: z.literal("Job"),
  status: z
    .looseObject({
      conditions: z.array(JobConditionSchema).optional(),
      /** Indexed Jobs with backoffLimitPerIndex: the failed indexes, e.g. "1,3-5". */
      failedIndexes: z.string().optional(),
      active: z.number().int().optional(),
      succeeded: z.number().int().optional(),
      failed: z.number().int().optional(),
    })
    .optional(),
});
export type KubernetesJob = z.infer<typeof KubernetesJobData>;

/** The extensions the source sets on every event: the object's kind, name and namespace. */
export const ApiServerSourceExtensions = z.looseObject({
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});

export const apiServerResourceAdd = defineEvent(
  "dev.knative.apiserver.resource.add",
  KubernetesObjectData,
);
/** Sent on every change of the object, its status included: many per Job. */
export const apiServerResourceUpdate = defineEvent(
  "dev.knative.apiserver.resource.update",
  KubernetesObjectData,
);
export const apiServerResourceDelete = defineEvent(
  "dev.knative.apiserver.resource.delete",
  KubernetesObjectData,
);

// The resources of a Job pod for each `size` a request may ask for: a table chosen by the operator.
import type { BacktestRequest } from "../../events/index.ts";

/** The `size` of a request; a request without one is {@link DEFAULT_SIZE}. */
export type SizeClass = NonNullable<BacktestRequest["size"]>;

/** CPU and memory of one class, as Kubernetes quantities. */
export interface SizeResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * Requests are what the scheduler reserves, limits what the pod may burst to: CPU above the
 * limit is throttled, memory above it is OOM-killed (exit 137, retried per backoffLimitPerIndex).
 * Each class doubles the one below; JOB_WORKERS threads beyond the CPU limit only add throttling.
 *
 * | size   | cpu request | memory request | cpu limit | memory limit |
 * |--------|-------------|----------------|-----------|--------------|
 * | small  | 250m        | 256Mi          | 1         | 512Mi        |
 * | medium | 1           | 1Gi            | 2         | 2Gi          |
 * | large  | 2           | 4Gi            | 4         | 8Gi          |
 */
export const SIZE_CLASSES: Readonly<Record<SizeClass, SizeResources>> = {
  small: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  medium: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  large: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
};

/** The cheapest class: a request opts into more. */
export const DEFAULT_SIZE: SizeClass = "small";

/**
 * Scratch space. The root filesystem is read-only, so /tmp is an emptyDir capped at
 * {@link TMP_SIZE_LIMIT}; the container's ephemeral-storage limit covers it plus the logs.
 * Same for every class: a shard keeps its bars in memory, not on disk.
 */
export const TMP_SIZE_LIMIT = "256Mi";
export const EPHEMERAL_STORAGE = { request: "64Mi", limit: "512Mi" } as const;

/** The pod resources for a request's size, ephemeral storage included. */
export function resourcesFor(size: SizeClass | undefined): {
  requests: Record<string, string>;
  limits: Record<string, string>;
} {
  const cls = SIZE_CLASSES[size ?? DEFAULT_SIZE];
  return {
    requests: { ...cls.requests, "ephemeral-storage": EPHEMERAL_STORAGE.request },
    limits: { ...cls.limits, "ephemeral-storage": EPHEMERAL_STORAGE.limit },
  };
}

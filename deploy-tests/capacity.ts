// What a cluster must hold to schedule the pipeline: CPU and memory requests of the rendered
// pods plus those of Kubernetes, Knative and Kourier themselves. `npx tsx deploy-tests/capacity.ts`
// prints the figures for both overlays.
import { fileURLToPath } from "node:url";
import { jobPodTemplate } from "./job-pod.ts";
import { type K8sObject, renderOverlay } from "./render.ts";
import { knativeServices } from "./workloads.ts";

/** Requests of one pod or component, in millicores and MiB. */
export interface Requests {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** A Deployment of the platform: requests per replica, and the replicas it runs at rest. */
export interface PlatformPart extends Requests {
  readonly name: string;
  readonly replicas: number;
  /** Where the figure comes from, at the release the docs install. */
  readonly source: string;
}

/**
 * The requests of what the kind path installs before any of ours, read from the release
 * sources at the tags installed (knative-v1.21.0; kind v0.29.0 with Kubernetes 1.33, kubeadm's
 * static pods). Components without requests (imc-controller, imc-dispatcher, request-reply,
 * kube-proxy, local-path-provisioner) count as zero, which is what the scheduler counts.
 */
export const KIND_PLATFORM: readonly PlatformPart[] = [
  {
    name: "kube-apiserver",
    cpuMilli: 250,
    memoryMiB: 0,
    replicas: 1,
    source: "kubeadm static pod",
  },
  {
    name: "kube-controller-manager",
    cpuMilli: 200,
    memoryMiB: 0,
    replicas: 1,
    source: "kubeadm static pod",
  },
  {
    name: "kube-scheduler",
    cpuMilli: 100,
    memoryMiB: 0,
    replicas: 1,
    source: "kubeadm static pod",
  },
  { name: "etcd", cpuMilli: 100, memoryMiB: 100, replicas: 1, source: "kubeadm static pod" },
  { name: "coredns", cpuMilli: 100, memoryMiB: 70, replicas: 2, source: "kubeadm addon" },
  {
    name: "kindnet",
    cpuMilli: 100,
    memoryMiB: 50,
    replicas: 1,
    source: "kind pkg/build/nodeimage/const_cni.go",
  },
  {
    name: "activator",
    cpuMilli: 300,
    memoryMiB: 60,
    replicas: 1,
    source: "serving config/core/deployments/activator.yaml",
  },
  {
    name: "autoscaler",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "serving config/core/deployments/autoscaler.yaml",
  },
  {
    name: "controller",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "serving config/core/deployments/controller.yaml",
  },
  {
    name: "webhook",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "serving config/core/deployments/webhook.yaml",
  },
  {
    name: "net-kourier-controller",
    cpuMilli: 200,
    memoryMiB: 200,
    replicas: 1,
    source: "net-kourier config/300-controller.yaml",
  },
  {
    name: "3scale-kourier-gateway",
    cpuMilli: 200,
    memoryMiB: 200,
    replicas: 1,
    source: "net-kourier config/300-gateway.yaml",
  },
  {
    name: "eventing-controller",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "eventing config/core/deployments/controller.yaml",
  },
  {
    name: "eventing-webhook",
    cpuMilli: 100,
    memoryMiB: 50,
    replicas: 1,
    source: "eventing config/core/deployments/webhook.yaml",
  },
  {
    name: "job-sink",
    cpuMilli: 125,
    memoryMiB: 64,
    replicas: 1,
    source: "eventing config/core/deployments/job-sink.yaml",
  },
  // Scaled from 0 to 1 when the first PingSource (ours, the reaper's) is created.
  {
    name: "pingsource-mt-adapter",
    cpuMilli: 125,
    memoryMiB: 64,
    replicas: 1,
    source: "eventing config/core/deployments/pingsource-mt-adapter.yaml",
  },
  {
    name: "mt-broker-controller",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "eventing config/brokers/mt-channel-broker/deployments/controller.yaml",
  },
  {
    name: "mt-broker-filter",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "eventing config/brokers/mt-channel-broker/deployments/broker-filter.yaml",
  },
  {
    name: "mt-broker-ingress",
    cpuMilli: 100,
    memoryMiB: 100,
    replicas: 1,
    source: "eventing config/brokers/mt-channel-broker/deployments/broker-ingress.yaml",
  },
];

/**
 * queue-proxy's requests in every Knative pod: config-deployment's queue-sidecar-cpu-request
 * default (25m); no memory request unless queueproxy.resource-defaults is enabled
 * (serving pkg/deployment/config.go, pkg/reconciler/revision/resources/queue.go, v1.21.0).
 */
export const QUEUE_PROXY: Requests = { cpuMilli: 25, memoryMiB: 0 };

/** A Kubernetes quantity as millicores (cpu) or MiB (memory). */
export function quantity(value: string | number | undefined, unit: "cpu" | "memory"): number {
  if (value === undefined) return 0;
  const text = String(value);
  if (unit === "cpu") return text.endsWith("m") ? Number(text.slice(0, -1)) : Number(text) * 1000;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(text);
  if (!match) throw new Error(`memory quantity ${text} not understood`);
  const factor = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    K: 1e3 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
  };
  return Number(match[1]) * (match[2] ? factor[match[2] as keyof typeof factor] : 1 / 2 ** 20);
}

// biome-ignore lint/suspicious/noExplicitAny: a rendered pod spec.
function podRequests(spec: any): Requests {
  let cpuMilli = 0;
  let memoryMiB = 0;
  for (const c of spec.containers ?? []) {
    cpuMilli += quantity(c.resources?.requests?.cpu, "cpu");
    memoryMiB += quantity(c.resources?.requests?.memory, "memory");
  }
  return { cpuMilli, memoryMiB };
}

const add = (a: Requests, b: Requests, times = 1): Requests => ({
  cpuMilli: a.cpuMilli + b.cpuMilli * times,
  memoryMiB: a.memoryMiB + b.memoryMiB * times,
});
const ZERO: Requests = { cpuMilli: 0, memoryMiB: 0 };

/** One Knative Service's pod: its container and queue-proxy. */
function functionPod(service: K8sObject): Requests {
  return add(podRequests(service.spec.template.spec), QUEUE_PROXY);
}

function scale(service: K8sObject, bound: "min-scale" | "max-scale"): number {
  return Number(
    service.spec.template.metadata?.annotations?.[`autoscaling.knative.dev/${bound}`] ?? 0,
  );
}

/** The pipeline's demand on a cluster, from one overlay's render. */
export interface Demand {
  /** Stores and the functions at their min-scale: what runs with nothing to do. */
  readonly atRest: Requests;
  /**
   * At rest, plus one pod of every function and a Job of JOB_PARALLELISM pods of the default
   * size (platform/launchers/size-classes.ts).
   */
  readonly oneSweep: Requests;
  /** Every function at its max-scale, plus the stores: what the autoscaler may ask for. */
  readonly ceiling: Requests;
}

/** The demand of `objects` (a render of `knative/overlays/<overlay>`). */
export function demandOf(objects: readonly K8sObject[]): Demand {
  let stores = ZERO;
  for (const o of objects.filter((x) => x.kind === "StatefulSet" || x.kind === "Deployment")) {
    stores = add(stores, podRequests(o.spec.template.spec), o.spec.replicas ?? 1);
  }
  const services = knativeServices(objects);
  let atRest = stores;
  let oneSweep = stores;
  let ceiling = stores;
  for (const s of services) {
    const pod = functionPod(s);
    atRest = add(atRest, pod, scale(s, "min-scale"));
    oneSweep = add(oneSweep, pod, Math.max(1, scale(s, "min-scale")));
    ceiling = add(ceiling, pod, scale(s, "max-scale"));
  }
  const config = objects.find((o) => o.kind === "ConfigMap" && o.data?.JOB_PARALLELISM)?.data ?? {};
  const parallelism = Number(config.JOB_PARALLELISM ?? 1);
  oneSweep = add(oneSweep, podRequests(jobPodTemplate().spec), parallelism);
  return { atRest, oneSweep, ceiling };
}

/** The sum of `parts` at their replicas. */
export function platformRequests(parts: readonly PlatformPart[] = KIND_PLATFORM): Requests {
  return parts.reduce((sum, p) => add(sum, p, p.replicas), ZERO);
}

/** Whole CPUs and GiB that hold `requests` (memory requests are a floor; see the README). */
export function wholeUnits(requests: Requests): { cpus: number; gib: number } {
  return { cpus: Math.ceil(requests.cpuMilli / 1000), gib: Math.ceil(requests.memoryMiB / 1024) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const platform = platformRequests();
  const row = (label: string, r: Requests) =>
    `${label.padEnd(44)} ${String(r.cpuMilli).padStart(6)}m ${String(Math.round(r.memoryMiB)).padStart(7)}Mi`;
  const lines = [row("kind platform (k8s, Knative, Kourier, Eventing)", platform)];
  for (const overlay of ["kind", "eks"] as const) {
    const demand = demandOf(renderOverlay(overlay));
    lines.push(row(`${overlay}: pipeline at rest`, demand.atRest));
    lines.push(row(`${overlay}: pipeline running one sweep`, demand.oneSweep));
    lines.push(row(`${overlay}: pipeline at every max-scale`, demand.ceiling));
    if (overlay === "kind") {
      const total = add(platform, demand.oneSweep);
      const units = wholeUnits(total);
      lines.push(row("kind: platform + one sweep", total));
      lines.push(`kind node needs: ${units.cpus} CPUs, ${units.gib} GiB of requests`);
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

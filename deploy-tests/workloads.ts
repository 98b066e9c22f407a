// The workloads of a render and their pod specs, and the environment their containers see.
import type { K8sObject } from "./render.ts";

/** A container as the tests read it. */
export interface Container {
  readonly name: string;
  readonly image: string;
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML; each test narrows what it reads.
  readonly [field: string]: any;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string; optional?: boolean };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  };
}

/** One pod template: whose it is, and its spec. */
export interface PodTemplate {
  readonly owner: K8sObject;
  /** `<Kind>/<name>`, for messages. */
  readonly id: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML; each test narrows what it reads.
  readonly spec: any;
  readonly containers: readonly Container[];
}

export const isKnativeService = (o: K8sObject): boolean =>
  o.apiVersion === "serving.knative.dev/v1" && o.kind === "Service";

/** The Knative Services of a render. */
export function knativeServices(objects: readonly K8sObject[]): K8sObject[] {
  return objects.filter(isKnativeService);
}

/** Every pod template in the render: Knative Services and the workload controllers. */
export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const kinds = new Set(["StatefulSet", "Deployment", "DaemonSet", "Job", "ReplicaSet"]);
  return objects
    .filter((o) => isKnativeService(o) || kinds.has(o.kind))
    .map((owner) => {
      const spec = owner.spec.template.spec;
      return {
        owner,
        id: `${isKnativeService(owner) ? "ksvc" : owner.kind}/${owner.metadata.name}`,
        spec,
        containers: [...(spec.initContainers ?? []), ...spec.containers] as Container[],
      };
    });
}

/**
 * The environment a container's process gets, as the kubelet builds it: envFrom first, then
 * env in order, each `$(VAR)` expanded from what is defined before it. `fieldRef:
 * metadata.namespace` is the owner's namespace; secretKeyRef values come from `secrets`.
 */
export function containerEnv(
  owner: K8sObject,
  container: Container,
  configMaps: ReadonlyMap<string, Record<string, string>>,
  secrets: ReadonlyMap<string, Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name ?? from.secretRef?.name ?? "";
    const data = from.configMapRef ? configMaps.get(name) : secrets.get(name);
    if (!data) throw new Error(`${container.name}: envFrom names ${name}, which is not rendered`);
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const source = variable.valueFrom;
    let value: string | undefined;
    if (variable.value !== undefined) {
      value = variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, key: string) =>
        key in env ? env[key] : whole,
      );
    } else if (source?.fieldRef) {
      if (source.fieldRef.fieldPath !== "metadata.namespace") {
        throw new Error(`${variable.name}: fieldRef ${source.fieldRef.fieldPath} not simulated`);
      }
      value = owner.metadata.namespace ?? "default";
    } else if (source?.secretKeyRef) {
      const ref = source.secretKeyRef;
      value = secrets.get(ref.name)?.[ref.key];
      if (value === undefined && !ref.optional) {
        throw new Error(`${variable.name}: secret ${ref.name} has no key ${ref.key}`);
      }
    } else if (source?.configMapKeyRef) {
      const ref = source.configMapKeyRef;
      value = configMaps.get(ref.name)?.[ref.key];
      if (value === undefined) throw new Error(`${variable.name}: no ${ref.name}/${ref.key}`);
    }
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** A ConfigMap that Grafana's dashboard sidecar loads (deploy/grafana): no pod reads it. */
export const isGrafanaDashboard = (o: K8sObject): boolean =>
  o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1";

/**
 * The data of every ConfigMap (or Secret, `stringData` and base64 `data`) in a render that a
 * pod may read settings from: Grafana dashboards are left out.
 */
export function dataByName(objects: readonly K8sObject[], kind: "ConfigMap" | "Secret") {
  const out = new Map<string, Record<string, string>>();
  const sources = objects.filter((x) => x.kind === kind && x.apiVersion === "v1");
  for (const o of sources.filter((x) => !isGrafanaDashboard(x))) {
    const data: Record<string, string> = { ...(o.stringData ?? {}) };
    for (const [key, value] of Object.entries<string>(o.data ?? {})) {
      data[key] = kind === "Secret" ? Buffer.from(value, "base64").toString("utf8") : value;
    }
    out.set(o.metadata.name, data);
  }
  return out;
}

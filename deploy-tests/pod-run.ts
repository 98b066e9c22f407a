// A pod spec as `docker run` flags: the user, read-only root, capabilities, environment,
// volumes and memory limit that a kubelet would give the container, so that the container
// tests run the images exactly as the manifests and buildJobSpec describe them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { K8sObject } from "./render.ts";
import type { Container, EnvVar } from "./workloads.ts";

/** What the cluster adds to every pod, and how this test maps it onto docker. */
export interface PodRunOptions {
  /** The container's (and the pod's) name. */
  readonly name: string;
  readonly namespace: string;
  readonly network: string;
  /** Names the other containers reach this one by (a Service's DNS names). */
  readonly aliases?: readonly string[];
  /** Rendered image name -> local image: no registry is reachable. */
  readonly images: Readonly<Record<string, string>>;
  /** The render: the Secrets and ConfigMaps that env, envFrom and volumes name. */
  readonly objects: readonly K8sObject[];
  /** Variables the platform sets (Knative's PORT and K_*, the Job controller's index). */
  readonly platformEnv?: Readonly<Record<string, string>>;
  /**
   * A folder holding `token`, `ca.crt` and `namespace`: mounted where the kubelet mounts the
   * service account's, unless the pod turns automountServiceAccountToken off.
   */
  readonly serviceAccountDir?: string;
  /** Where secret and configMap volumes are written before they are mounted. */
  readonly scratchDir: string;
  /**
   * Claims backed by a folder of this machine (kind-data.ts): claim name -> folder, mounted
   * as the claim. Any other claim is a fresh, empty one.
   */
  readonly claims?: ReadonlyMap<string, string>;
  /** Container ports to publish on 127.0.0.1 (a free host port each). */
  readonly publish?: readonly number[];
}

/** Rendered YAML (a pod spec, a volume): each use narrows what it reads. */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, as in workloads.ts.
export type Yaml = any;

const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Kubernetes quantities docker takes: `512Mi` -> `512m`, `1Gi` -> `1g`, plain bytes. */
export function dockerBytes(quantity: string): string {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported memory quantity: ${quantity}`);
  const unit = { Ki: "k", Mi: "m", Gi: "g" }[match[2] as "Ki" | "Mi" | "Gi"] ?? "";
  return `${match[1]}${unit}`;
}

/** `$(NAME)` expanded from `defined`, `$$(NAME)` left as `$(NAME)`, as the kubelet does. */
export function expand(text: string, defined: ReadonlyMap<string, string>): string {
  return text.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, escaped, name) => {
    if (escaped) return `$(${name})`;
    return defined.get(name) ?? whole;
  });
}

function dataOf(objects: readonly K8sObject[], kind: string, name: string): Record<string, string> {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) return {};
  if (kind === "Secret") {
    const decoded = Object.fromEntries(
      Object.entries((object.data ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    );
    return { ...decoded, ...((object.stringData ?? {}) as Record<string, string>) };
  }
  return (object.data ?? {}) as Record<string, string>;
}

/**
 * The container's environment in the kubelet's order: envFrom, then env (each `$(VAR)`
 * expanded from what came before), then what the platform injects.
 * @throws for a reference this stand-in cannot resolve (a missing required key, a fieldRef
 *   other than the pod's name and namespace).
 */
export function containerEnv(
  container: Container,
  objects: readonly K8sObject[],
  pod: { readonly name: string; readonly namespace: string },
  platformEnv: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? "ConfigMap" : "Secret";
    for (const [k, v] of Object.entries(dataOf(objects, kind, ref!.name))) env.set(k, v);
  }
  for (const variable of (container.env ?? []) as EnvVar[]) {
    const value = envValue(variable, objects, pod, env);
    if (value !== undefined) env.set(variable.name, value);
  }
  for (const [k, v] of Object.entries(platformEnv)) env.set(k, v);
  return env;
}

function envValue(
  variable: EnvVar,
  objects: readonly K8sObject[],
  pod: { readonly name: string; readonly namespace: string },
  defined: ReadonlyMap<string, string>,
): string | undefined {
  if (variable.value !== undefined) return expand(variable.value, defined);
  const from = variable.valueFrom;
  const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
  if (ref) {
    const data = dataOf(objects, from?.secretKeyRef ? "Secret" : "ConfigMap", ref.name);
    if (ref.key in data) return data[ref.key];
    if ("optional" in ref && ref.optional) return undefined;
    throw new Error(`${variable.name}: ${ref.name} has no key ${ref.key}`);
  }
  const field = from?.fieldRef?.fieldPath;
  if (field === "metadata.namespace") return pod.namespace;
  if (field === "metadata.name") return pod.name;
  throw new Error(`${variable.name}: unsupported valueFrom ${JSON.stringify(from)}`);
}

/**
 * `docker run` arguments (after `run`) for `container` of `podSpec`, detached, with the image
 * and its command last.
 */
export function dockerRunArgs(
  podSpec: Yaml,
  container: Container,
  options: PodRunOptions,
): string[] {
  const podSecurity = podSpec.securityContext ?? {};
  const security = container.securityContext ?? {};
  const args = ["-d", "--name", options.name, "--hostname", options.name];
  args.push("--network", options.network);
  for (const alias of options.aliases ?? []) args.push("--network-alias", alias);

  // Who the process is: runAsUser/runAsGroup, fsGroup as a supplementary group.
  const user = security.runAsUser ?? podSecurity.runAsUser;
  const group = security.runAsGroup ?? podSecurity.runAsGroup;
  const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
  if (user !== undefined) args.push("--user", group !== undefined ? `${user}:${group}` : `${user}`);
  if (runAsNonRoot && (user === undefined || user === 0)) {
    // The kubelet refuses to start it unless the image names a numeric non-root user; these
    // manifests always set one, so anything else is a manifest bug.
    throw new Error(`${options.name}: runAsNonRoot without a non-zero runAsUser`);
  }
  if (podSecurity.fsGroup !== undefined) args.push("--group-add", String(podSecurity.fsGroup));
  for (const g of podSecurity.supplementalGroups ?? []) args.push("--group-add", String(g));

  // What it may do.
  if (security.readOnlyRootFilesystem) args.push("--read-only");
  if (security.allowPrivilegeEscalation === false) {
    args.push("--security-opt", "no-new-privileges");
  }
  if (security.privileged) args.push("--privileged");
  for (const cap of security.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  for (const cap of security.capabilities?.add ?? []) args.push("--cap-add", cap);
  const seccomp = security.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
  // RuntimeDefault is docker's default profile; Unconfined turns it off; Localhost is not used.
  if (seccomp === "Unconfined") args.push("--security-opt", "seccomp=unconfined");
  else if (seccomp !== undefined && seccomp !== "RuntimeDefault") {
    throw new Error(`${options.name}: unsupported seccomp profile ${seccomp}`);
  }

  const limits = container.resources?.limits ?? {};
  if (limits.memory) args.push("--memory", dockerBytes(limits.memory));
  if (limits.cpu) args.push("--cpus", String(cpus(limits.cpu)));

  // The environment.
  const pod = { name: options.name, namespace: options.namespace };
  const env = containerEnv(container, options.objects, pod, options.platformEnv);
  for (const [k, v] of env) args.push("--env", `${k}=${v}`);

  // Volumes, by what backs them.
  const volumes = new Map<string, Yaml>(
    (podSpec.volumes ?? []).map((v: { name: string }) => [v.name, v]),
  );
  for (const mount of container.volumeMounts ?? []) {
    args.push(...volumeArgs(mount, volumes.get(mount.name), podSecurity, options));
  }
  if (podSpec.automountServiceAccountToken !== false && options.serviceAccountDir) {
    args.push("--volume", `${options.serviceAccountDir}:${SERVICE_ACCOUNT_MOUNT}:ro`);
  }

  for (const port of options.publish ?? []) args.push("--publish", `127.0.0.1::${port}`);

  const image = options.images[container.image.split(":")[0]!] ?? options.images[container.image];
  if (!image) throw new Error(`${options.name}: no local image for ${container.image}`);
  const command = (container.command ?? []).map((c: string) => expand(c, env));
  const commandArgs = (container.args ?? []).map((c: string) => expand(c, env));
  if (command.length > 0) args.push("--entrypoint", command[0]!);
  args.push(image, ...command.slice(1), ...commandArgs);
  return args;
}

function cpus(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

function volumeArgs(
  mount: { name: string; mountPath: string; readOnly?: boolean },
  volume: Yaml | undefined,
  podSecurity: Yaml,
  options: PodRunOptions,
): string[] {
  const ro = mount.readOnly ? ",ro" : "";
  // A claim bound to a folder of this machine (kind's data sets): that folder.
  const folder = options.claims?.get(volume?.persistentVolumeClaim?.claimName);
  if (folder) {
    const readOnly = mount.readOnly || volume.persistentVolumeClaim.readOnly;
    return ["--volume", `${folder}:${mount.mountPath}${readOnly ? ":ro" : ""}`];
  }
  // Any other claim, or no volume of that name (a StatefulSet's volumeClaimTemplate): a fresh
  // claim, owned by fsGroup as the kubelet makes it; a tmpfs, since nothing here outlives the
  // test. Docker copies the mode of an image's VOLUME folder onto a tmpfs mounted there (0700
  // for Postgres's data), so it is also given to runAsUser: the one writer a claim has here.
  if (!volume || volume.persistentVolumeClaim) {
    const gid = podSecurity.fsGroup;
    const uid = podSecurity.runAsUser;
    const owner = [gid === undefined ? "mode=1777" : `mode=2775,gid=${gid}`];
    if (uid !== undefined) owner.push(`uid=${uid}`);
    return ["--tmpfs", `${mount.mountPath}:${owner.join(",")}${ro}`];
  }
  if (volume.emptyDir) {
    const size = volume.emptyDir.sizeLimit ? `,size=${dockerBytes(volume.emptyDir.sizeLimit)}` : "";
    return ["--tmpfs", `${mount.mountPath}:mode=1777${size}${ro}`];
  }
  const source = volume.secret ?? volume.configMap;
  if (source) {
    const kind = volume.secret ? "Secret" : "ConfigMap";
    const name = volume.secret ? source.secretName : source.name;
    const dir = join(options.scratchDir, `${options.name}-${mount.name}`);
    mkdirSync(dir, { recursive: true });
    for (const [key, value] of Object.entries(dataOf(options.objects, kind, name))) {
      writeFileSync(join(dir, key), value, { mode: 0o644 });
    }
    return ["--volume", `${dir}:${mount.mountPath}:ro`];
  }
  throw new Error(`${options.name}: unsupported volume ${JSON.stringify(volume)}`);
}

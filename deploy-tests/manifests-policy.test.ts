// Policies of the rendered manifests: scale to zero, restricted pods, least-privilege RBAC,
// and the backtest Jobs' network fence.
import type { IncomingMessage } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { eventRequestRefusal } from "../platform/http/event-guard.ts";
import { launcherMethodsCalledBy, launcherVerbs, verbsNeededBy } from "./job-api-calls.ts";
import { jobPodTemplate } from "./job-pod.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  ofKind,
  renderOverlay,
} from "./render.ts";
import { knativeServices, type PodTemplate, podTemplates } from "./workloads.ts";

/** Accounts whose pods call the Kubernetes API, and so get a token; every other pod gets none. */
const API_CLIENT_ACCOUNTS = new Set([
  "zixly-jobs",
  "zixly-api",
  "zixly-job-canceller",
  "zixly-job-watcher",
]);

/**
 * Containers allowed a writable root filesystem, as `<pod id>/<container>`. Empty: the
 * database StatefulSets write only to their volumes and emptyDirs. A database image that needs
 * more may be listed here, and nothing else.
 */
const WRITABLE_ROOT_ALLOWED = new Set<string>();

/**
 * The Job verbs of the Roles no function of ours runs as: the ApiServerSource's adapter lists
 * and watches the Jobs (and gets one on a resync). The functions' Roles are derived from their
 * code instead (job-api-calls.ts).
 */
const SOURCE_ROLES: Readonly<Record<string, readonly string[]>> = {
  "zixly-job-watcher": ["get", "list", "watch"],
};

/** A pod spec fails Pod Security `restricted` (v1.33 rules) for these reasons; [] passes. */
// biome-ignore lint/suspicious/noExplicitAny: a rendered or built pod spec.
function restrictedViolations(spec: any, id: string): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  const allowedVolumes = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
  ];
  for (const v of spec.volumes ?? []) {
    const types = Object.keys(v).filter((k) => k !== "name");
    if (!types.every((t) => allowedVolumes.includes(t))) out.push(`${id}: volume ${v.name}`);
  }
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field]) out.push(`${id}: ${field}`);
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${id}/${c.name}`;
    if (sc.privileged) out.push(`${where}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${where}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (!["RuntimeDefault", "Localhost"].includes(seccomp)) out.push(`${where}: seccompProfile`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${where}: drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((a: string) => a !== "NET_BIND_SERVICE");
    if (added.length > 0) out.push(`${where}: adds ${added.join(",")}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${where}: hostPort`);
  }
  return out;
}

const OVERLAYS = ["kind", "eks"] as const;

function annotations(service: K8sObject): Record<string, string> {
  return service.spec.template.metadata?.annotations ?? {};
}

/** Whether the pod gets a service account token: its own setting, else its account's. */
function mountsToken(pod: PodTemplate, objects: readonly K8sObject[]): boolean {
  if (pod.spec.automountServiceAccountToken !== undefined) {
    return pod.spec.automountServiceAccountToken as boolean;
  }
  const account = ofKind(objects, "ServiceAccount").find(
    (a) => a.metadata.name === (pod.spec.serviceAccountName ?? "default"),
  );
  return account?.automountServiceAccountToken ?? true;
}

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("manifest policies"), () => {
  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    const objects: K8sObject[] = HAS_KUBECTL ? renderOverlay(overlay) : [];
    const services = knativeServices(objects);

    it("scales every function to zero, unless it is annotated as exempt", () => {
      const exempt: string[] = [];
      for (const s of services) {
        const a = annotations(s);
        if (a["zixly.com/scale-to-zero-exempt"] === "true") {
          exempt.push(s.metadata.name);
          expect(Number(a["autoscaling.knative.dev/min-scale"])).toBeGreaterThanOrEqual(1);
        } else {
          expect(a["autoscaling.knative.dev/min-scale"], s.metadata.name).toBe("0");
        }
      }
      expect(exempt).toEqual(["ingest-webhook"]);
    });

    it("bounds every function: max-scale, a soft target under the hard limit, a timeout", () => {
      for (const s of services) {
        const a = annotations(s);
        const spec = s.spec.template.spec;
        const max = Number(a["autoscaling.knative.dev/max-scale"]);
        const target = Number(a["autoscaling.knative.dev/target"]);
        expect(max, s.metadata.name).toBeGreaterThanOrEqual(
          Number(a["autoscaling.knative.dev/min-scale"]),
        );
        expect(max, s.metadata.name).toBeGreaterThan(0);
        expect(target, s.metadata.name).toBeGreaterThan(0);
        expect(target, s.metadata.name).toBeLessThanOrEqual(spec.containerConcurrency);
        expect(spec.timeoutSeconds, s.metadata.name).toBeGreaterThan(0);
        // Knative's default max-revision-timeout-seconds.
        expect(spec.timeoutSeconds, s.metadata.name).toBeLessThanOrEqual(600);
      }
    });

    it("probes every function: readiness on /readyz (its dependencies), liveness on /healthz (the process)", () => {
      for (const s of services) {
        const c = s.spec.template.spec.containers[0];
        expect(c.readinessProbe?.httpGet?.path, s.metadata.name).toBe("/readyz");
        // A dependency that is down must never get a pod restarted: liveness asks the process.
        expect(c.livenessProbe?.httpGet?.path, s.metadata.name).toBe("/healthz");
      }
    });

    it("regression: keeps Knative's fast readiness probing on cold start (no periodSeconds)", () => {
      // periodSeconds 0 (unset) is Knative's aggressive probe: queue-proxy tries every 50 ms
      // until the container is ready. Any period made a scale-from-zero wait for the kubelet's
      // next probe. With period 0 Knative refuses timeoutSeconds and failureThreshold
      // (pkg/apis/serving/k8s_validation.go, validateReadinessProbe).
      for (const s of services) {
        const probe = s.spec.template.spec.containers[0].readinessProbe ?? {};
        expect(probe.periodSeconds ?? 0, s.metadata.name).toBe(0);
        expect(probe.timeoutSeconds, s.metadata.name).toBeUndefined();
        expect(probe.failureThreshold, s.metadata.name).toBeUndefined();
      }
    });

    // Knative Serving's admission webhook (pkg/apis/serving/k8s_validation.go) refuses these;
    // kubernetes-models knows nothing of them.
    it("keeps to what Knative Serving admits: one port, no reserved paths, names or variables", () => {
      const reservedPaths = ["/", "/dev", "/dev/log", "/tmp", "/var", "/var/log"];
      const reservedEnv = ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"];
      for (const s of services) {
        const spec = s.spec.template.spec;
        expect(spec.containers, s.metadata.name).toHaveLength(1);
        const [c] = spec.containers;
        expect(c.name).not.toBe("queue-proxy");
        expect(c.ports, s.metadata.name).toHaveLength(1);
        expect(["http1", "h2c", undefined]).toContain(c.ports[0].name);
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
          if (port !== undefined) expect(port, s.metadata.name).toBe(c.ports[0].containerPort);
        }
        for (const m of c.volumeMounts ?? []) {
          expect(reservedPaths, `${s.metadata.name}: ${m.mountPath}`).not.toContain(m.mountPath);
        }
        for (const e of c.env ?? []) expect(reservedEnv, s.metadata.name).not.toContain(e.name);
        // Pod-level securityContext needs kubernetes.podspec-securitycontext; ours is on the container.
        expect(spec.securityContext, s.metadata.name).toBeUndefined();
        const volumes = (spec.volumes ?? []) as Record<string, unknown>[];
        for (const v of volumes) {
          const sources = Object.keys(v).filter((k) => k !== "name");
          expect(["emptyDir", "secret", "configMap", "projected"]).toEqual(
            expect.arrayContaining(sources),
          );
        }
      }
    });

    it("runs every pod restricted: non-root, read-only root, no escalation, no capabilities, seccomp", () => {
      const pods = podTemplates(objects);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        const podContext = pod.spec.securityContext ?? {};
        for (const c of pod.containers) {
          const id = `${pod.id}/${c.name}`;
          const sc = c.securityContext ?? {};
          expect(sc.runAsNonRoot ?? podContext.runAsNonRoot, id).toBe(true);
          expect(sc.runAsUser ?? podContext.runAsUser ?? 1, id).not.toBe(0);
          expect(sc.allowPrivilegeEscalation, id).toBe(false);
          expect(sc.privileged ?? false, id).toBe(false);
          expect(sc.capabilities?.drop, id).toContain("ALL");
          expect(sc.capabilities?.add ?? [], id).toEqual([]);
          expect((sc.seccompProfile ?? podContext.seccompProfile)?.type, id).toBe("RuntimeDefault");
          if (!WRITABLE_ROOT_ALLOWED.has(id)) expect(sc.readOnlyRootFilesystem, id).toBe(true);
        }
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
          expect(pod.spec[field] ?? false, `${pod.id} ${field}`).toBe(false);
        }
        for (const v of pod.spec.volumes ?? []) expect(v.hostPath, pod.id).toBeUndefined();
      }
    });

    it("enforces Pod Security restricted on the namespace, which every pod of ours passes", () => {
      const [namespace] = ofKind(objects, "Namespace");
      expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      const violations = podTemplates(objects).flatMap((p) => restrictedViolations(p.spec, p.id));
      // The Job pods dispatch-backtest creates are admitted in the same namespace.
      violations.push(...restrictedViolations(jobPodTemplate().spec, "Job/bt-..."));
      expect(violations).toEqual([]);
    });

    it("mounts a token only into pods whose account calls the Kubernetes API", () => {
      for (const pod of podTemplates(objects)) {
        const account = pod.spec.serviceAccountName ?? "default";
        if (!API_CLIENT_ACCOUNTS.has(account)) {
          expect(mountsToken(pod, objects), pod.id).toBe(false);
        }
      }
      const functionAccount = named(objects, "ServiceAccount", "zixly-function");
      expect(functionAccount.automountServiceAccountToken).toBe(false);
    });

    /** Role name -> the verbs its functions' code needs on batch/jobs, union over them. */
    const needed = new Map<string, string[]>();
    beforeAll(async () => {
      for (const [role, verbs] of Object.entries(SOURCE_ROLES)) needed.set(role, [...verbs]);
      for (const s of services) {
        const account = s.spec.template.spec.serviceAccountName as string;
        const binding = ofKind(objects, "RoleBinding").find((b) =>
          b.subjects.some((x: { name: string }) => x.name === account),
        );
        if (!binding) continue;
        const role = binding.roleRef.name as string;
        const verbs = new Set([
          ...(needed.get(role) ?? []),
          ...(await verbsNeededBy(s.metadata.name)),
        ]);
        needed.set(role, [...verbs].sort());
      }
    });

    it("grants Roles on batch/jobs only, with exactly the verbs the code calls, and no wildcard", () => {
      expect(ofKind(objects, "ClusterRole")).toEqual([]);
      expect(ofKind(objects, "ClusterRoleBinding")).toEqual([]);
      const roles = ofKind(objects, "Role");
      expect(roles.map((r) => r.metadata.name).sort()).toEqual([...needed.keys()].sort());
      for (const role of roles) {
        expect(role.rules, role.metadata.name).toHaveLength(1);
        const [rule] = role.rules;
        expect(rule.apiGroups).toEqual(["batch"]);
        expect(rule.resources).toEqual(["jobs"]);
        expect(rule.resourceNames).toBeUndefined();
        expect(rule.nonResourceURLs).toBeUndefined();
        expect([...rule.verbs].sort(), role.metadata.name).toEqual(needed.get(role.metadata.name));
      }
      expect(JSON.stringify(roles)).not.toContain("*");
    });

    it("regression: lets the reaper GET the Jobs that exists() and cancel() read before deleting", async () => {
      // zixly-job-canceller had delete only: every GET was a 403, so a run whose Job vanished
      // waited out its whole deadline.
      const verbs = await launcherVerbs();
      expect(verbs.cancel).toEqual(["delete", "get"]);
      expect(verbs.exists).toEqual(["get"]);
      expect(launcherMethodsCalledBy("watch-jobs")).toEqual(
        expect.arrayContaining(["cancel", "exists"]),
      );
      const account = named(objects, "Service", "watch-jobs").spec.template.spec.serviceAccountName;
      const role = named(objects, "Role", account);
      expect(role.rules[0].verbs).toEqual(expect.arrayContaining(["get", "delete"]));
    });

    it("binds each Role to its own account in the same namespace, and nothing else", () => {
      for (const binding of ofKind(objects, "RoleBinding")) {
        expect(binding.roleRef.kind).toBe("Role");
        named(objects, "Role", binding.roleRef.name);
        expect(binding.subjects).toEqual([
          {
            kind: "ServiceAccount",
            name: binding.roleRef.name,
            namespace: binding.metadata.namespace,
          },
        ]);
      }
    });

    it("gives the Job permissions to the functions that launch or cancel Jobs, and only them", () => {
      const accountOf = (name: string) =>
        named(objects, "Service", name).spec.template.spec.serviceAccountName;
      expect(accountOf("dispatch-backtest")).toBe("zixly-jobs");
      // The public api must never create Jobs: its own account, without create.
      expect(accountOf("api")).toBe("zixly-api");
      const creators = services.filter((s) =>
        launcherMethodsCalledBy(s.metadata.name).includes("launch"),
      );
      expect(creators.map((s) => s.metadata.name)).toEqual(["dispatch-backtest"]);
      for (const s of services.filter((x) => !creators.includes(x))) {
        expect(accountOf(s.metadata.name), s.metadata.name).not.toBe("zixly-jobs");
      }
      for (const s of services) {
        const env = s.spec.template.spec.containers[0].env as { name: string; value?: string }[];
        const kubernetes = env.some((e) => e.name === "JOB_LAUNCHER" && e.value === "kubernetes");
        const account = s.spec.template.spec.serviceAccountName;
        // The kubernetes launcher needs a token; the local one must not be handed one.
        expect(API_CLIENT_ACCOUNTS.has(account), s.metadata.name).toBe(kubernetes);
        expect(account, s.metadata.name).not.toBe("zixly-job-watcher");
      }
    });

    it("watches only our backtest Jobs, with the watcher's own read-only account", () => {
      const [source] = ofKind(objects, "ApiServerSource");
      expect(source.spec.mode).toBe("Resource");
      expect(source.spec.serviceAccountName).toBe("zixly-job-watcher");
      expect(source.spec.namespaceSelector).toBeUndefined();
      expect(source.spec.resources).toHaveLength(1);
      const [resource] = source.spec.resources;
      expect(resource.apiVersion).toBe("batch/v1");
      expect(resource.kind).toBe("Job");
      expect(resource.selector.matchLabels["app.kubernetes.io/part-of"]).toBe("zixly-pipelines");
    });

    it("ticks the reaper with a PingSource on a five-field cron schedule", () => {
      const [ping] = ofKind(objects, "PingSource");
      expect(ping.spec.schedule.split(" ")).toHaveLength(5);
    });

    it("sends the reaper's tick with a JSON body, which the functions' front lets through", () => {
      // Regression: a PingSource without data sends an empty binary-mode event, which
      // functions-framework answered with 500, so watch-jobs never ran its reaper.
      const [ping] = ofKind(objects, "PingSource");
      const body = String(ping.spec.data ?? "");
      const tick = {
        method: "POST",
        headers: {
          "ce-specversion": "1.0",
          "ce-type": "dev.knative.sources.ping",
          ...(ping.spec.contentType ? { "content-type": ping.spec.contentType } : {}),
          "content-length": String(Buffer.byteLength(body)),
        },
      } as unknown as IncomingMessage;
      expect(eventRequestRefusal(tick)).toBeUndefined();
      expect(JSON.parse(body)).toEqual({});
    });

    it("fences the Job pods: no ingress; egress to DNS, the broker, and public HTTPS only", () => {
      const policy = ofKind(objects, "NetworkPolicy").find(
        (p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/component"] === "backtest",
      );
      expect(policy).toBeDefined();
      const spec = policy?.spec;
      expect([...spec.policyTypes].sort()).toEqual(["Egress", "Ingress"]);
      expect(spec.ingress ?? []).toEqual([]);
      const [dns, broker, internet] = spec.egress;
      expect(dns.ports.map((p: { port: number }) => p.port)).toEqual([53, 53]);
      expect(dns.to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe(
        "kube-system",
      );
      expect(broker.to).toEqual([
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "knative-eventing" } },
        },
      ]);
      expect(internet.ports).toEqual([{ protocol: "TCP", port: 443 }]);
      const v4 = internet.to.find(
        (t: { ipBlock: { cidr: string } }) => t.ipBlock.cidr === "0.0.0.0/0",
      );
      for (const range of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]) {
        expect(v4.ipBlock.except).toContain(range);
      }
      // kind adds one rule for the insecure data URLs it allows (the next test); eks none.
      expect(spec.egress).toHaveLength(overlay === "kind" ? 4 : 3);
    });

    it("regression: lets the Jobs fetch private and plain-http data URLs exactly when ALLOW_INSECURE_URLS allows them", () => {
      // kind promised private data URLs (ALLOW_INSECURE_URLS=true) that the Jobs' policy cut.
      const config = ofKind(objects, "ConfigMap").find((c) => c.data?.ALLOW_INSECURE_URLS)?.data;
      const insecure = config?.ALLOW_INSECURE_URLS === "true";
      const policy = named(objects, "NetworkPolicy", "backtest-jobs");
      /** Whether some egress rule admits TCP to an IPv4 `address` on `port`. */
      const admits = (address: string, port: number) =>
        policy.spec.egress.some(
          (rule: {
            to?: { ipBlock?: { cidr: string; except?: string[] } }[];
            ports?: { port: number }[];
          }) =>
            (rule.ports ?? []).some((p) => p.port === port) &&
            (rule.to ?? []).some((t) => t.ipBlock && inBlock(address, t.ipBlock)),
        );
      // host.docker.internal on Docker Desktop, the docker bridge, a LAN host.
      for (const address of ["192.168.65.254", "172.17.0.1", "10.1.2.3"]) {
        for (const port of [80, 443, 8080]) {
          expect(admits(address, port), `${address}:${port}`).toBe(insecure);
        }
      }
      expect(admits("93.184.216.34", 443)).toBe(true);
      expect(admits("93.184.216.34", 80)).toBe(insecure);
    });
  });
});

/** Whether IPv4 `address` is in `block` and in none of its exceptions (v4 CIDRs only). */
function inBlock(address: string, block: { cidr: string; except?: string[] }): boolean {
  const within = (cidr: string) => {
    const [base, bits] = cidr.split("/");
    if (!base?.includes(".")) return false;
    const toInt = (a: string) => a.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
  };
  return within(block.cidr) && !(block.except ?? []).some(within);
}

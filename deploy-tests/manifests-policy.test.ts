// Policies of the rendered manifests: scale to zero, restricted pods, least-privilege RBAC,
// and the backtest Jobs' network fence.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { eventRequestRefusal } from "../platform/http/event-guard.ts";
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
const API_CLIENT_ACCOUNTS = new Set(["zixly-jobs", "zixly-job-canceller", "zixly-job-watcher"]);

/**
 * Containers allowed a writable root filesystem, as `<pod id>/<container>`. Empty: the
 * database StatefulSets write only to their volumes and emptyDirs. A database image that needs
 * more may be listed here, and nothing else.
 */
const WRITABLE_ROOT_ALLOWED = new Set<string>();

/** The Job verbs each jobs Role grants, exactly (platform/launchers/kubernetes-job-launcher.ts). */
const JOB_ROLES: Readonly<Record<string, readonly string[]>> = {
  "zixly-jobs": ["create", "delete", "get", "list", "watch"],
  "zixly-job-canceller": ["delete"],
  "zixly-job-watcher": ["get", "list", "watch"],
};

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
        // Each check of /readyz gives up after 1 s (platform/health/readiness.ts): the probe
        // must wait longer, or a slow dependency would read as a probe failure of its own.
        expect(c.readinessProbe?.timeoutSeconds, s.metadata.name).toBeGreaterThan(1);
        // A dependency that is down must never get a pod restarted: liveness asks the process.
        expect(c.livenessProbe?.httpGet?.path, s.metadata.name).toBe("/healthz");
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

    it("grants Roles on batch/jobs only, with exactly the verbs each needs, and no wildcard", () => {
      expect(ofKind(objects, "ClusterRole")).toEqual([]);
      expect(ofKind(objects, "ClusterRoleBinding")).toEqual([]);
      const roles = ofKind(objects, "Role");
      expect(roles.map((r) => r.metadata.name).sort()).toEqual(Object.keys(JOB_ROLES).sort());
      for (const role of roles) {
        expect(role.rules, role.metadata.name).toHaveLength(1);
        const [rule] = role.rules;
        expect(rule.apiGroups).toEqual(["batch"]);
        expect(rule.resources).toEqual(["jobs"]);
        expect(rule.resourceNames).toBeUndefined();
        expect(rule.nonResourceURLs).toBeUndefined();
        expect([...rule.verbs].sort(), role.metadata.name).toEqual(JOB_ROLES[role.metadata.name]);
      }
      expect(JSON.stringify(roles)).not.toContain("*");
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
      expect(accountOf("api")).toBe("zixly-jobs");
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
      expect(spec.egress).toHaveLength(3);
    });
  });
});

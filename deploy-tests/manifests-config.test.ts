// What the functions' processes will see: every variable is one platform/config.ts knows,
// loadConfig accepts the result, K_SINK is the broker of the function's own namespace, and each
// overlay sets what it promises (kind: dev stores and images; eks: Kafka, IRSA, no secrets).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigSchema, loadConfig } from "../platform/config.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  ofKind,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { containerEnv, dataByName, knativeServices } from "./workloads.ts";

/** Variables the functions get that platform/config.ts does not parse, and why. */
const NOT_CONFIG = new Set([
  // functions/serve.ts: which function this container runs.
  "FUNCTION_TARGET",
  // knative/base: the broker ingress host, expanded into K_SINK.
  "BROKER_INGRESS_HOST",
  // Node's os.tmpdir(): the writable scratch volume, as Knative reserves /tmp.
  "TMPDIR",
]);

/** Stand-ins for eks's zixly-secrets, which the repository does not ship. */
const EKS_SECRETS = {
  WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  API_TOKEN: "a-token-of-sixteen-or-more",
  // No password in the URL: it is a mounted file (database-password.test.ts).
  DATABASE_URL: "postgres://zixly@db.example.com:5432/zixly?sslmode=require",
  DATABASE_PASSWORD: "x",
  REDIS_URL: "rediss://:x@cache.example.com:6379",
};

const BROKER_HOSTS = {
  kind: "broker-ingress.knative-eventing.svc.cluster.local",
  eks: "kafka-broker-ingress.knative-eventing.svc.cluster.local",
} as const;

const OVERLAYS = ["kind", "eks"] as const;

function maxScales(objects: readonly K8sObject[]): Record<string, number> {
  return Object.fromEntries(
    knativeServices(objects).map((s) => [
      s.metadata.name,
      Number(s.spec.template.metadata.annotations["autoscaling.knative.dev/max-scale"]),
    ]),
  );
}

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("function configuration"), () => {
  const rendered = {
    kind: HAS_KUBECTL ? renderOverlay("kind") : [],
    eks: HAS_KUBECTL ? renderOverlay("eks") : [],
  };

  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    const objects = rendered[overlay];
    const configMaps = dataByName(objects, "ConfigMap");
    const secrets = dataByName(objects, "Secret");
    if (overlay === "eks") secrets.set("zixly-secrets", EKS_SECRETS);

    it("sets only variables that platform/config.ts parses (or a listed exception)", () => {
      const known = new Set([...Object.keys(ConfigSchema.shape), ...NOT_CONFIG]);
      for (const [name, data] of configMaps) {
        for (const key of Object.keys(data)) expect(known.has(key), `${name}: ${key}`).toBe(true);
      }
      for (const s of knativeServices(objects)) {
        for (const e of s.spec.template.spec.containers[0].env) {
          expect(known.has(e.name), `${s.metadata.name}: ${e.name}`).toBe(true);
        }
      }
    });

    it("gives every function an environment that loadConfig accepts", () => {
      for (const s of knativeServices(objects)) {
        const env = containerEnv(s, s.spec.template.spec.containers[0], configMaps, secrets);
        expect(() => loadConfig(env), s.metadata.name).not.toThrow();
      }
    });

    it("sets no BROKER_TOKEN: Knative's Broker does not send it, so the event functions would refuse every delivery", () => {
      for (const s of knativeServices(objects)) {
        const env = containerEnv(s, s.spec.template.spec.containers[0], configMaps, secrets);
        expect(env.BROKER_TOKEN, s.metadata.name).toBeUndefined();
      }
    });

    it("publishes to the broker ingress of the function's own namespace", () => {
      for (const s of knativeServices(objects)) {
        const env = containerEnv(s, s.spec.template.spec.containers[0], configMaps, secrets);
        expect(env.JOB_NAMESPACE).toBe(s.metadata.namespace);
        expect(env.K_SINK, s.metadata.name).toBe(
          `http://${BROKER_HOSTS[overlay]}/${s.metadata.namespace}/default`,
        );
      }
    });

    it("names the functions image for the Services and the Job image in JOB_IMAGE", () => {
      const prefix = overlay === "kind" ? "dev.local/" : "";
      for (const s of knativeServices(objects)) {
        expect(s.spec.template.spec.containers[0].image).toBe(`${prefix}zixly/functions`);
      }
      const [config] = [...configMaps.values()];
      expect(configMaps.size).toBe(1);
      expect(config.JOB_IMAGE).toBe(`${prefix}zixly/backtest-job`);
      // The function that launches Jobs sees the same image, from its own pod template.
      const dispatch = named(objects, "Service", "dispatch-backtest");
      const env = containerEnv(
        dispatch,
        dispatch.spec.template.spec.containers[0],
        configMaps,
        secrets,
      );
      expect(env.JOB_IMAGE).toBe(`${prefix}zixly/backtest-job`);
    });
  });

  describe("kind", () => {
    const objects = rendered.kind;

    it("allows insecure URLs and runs Postgres and Redis in the cluster", () => {
      expect([...dataByName(objects, "ConfigMap").values()][0].ALLOW_INSECURE_URLS).toBe("true");
      for (const name of ["postgres", "redis"]) {
        const set = named(objects, "StatefulSet", name);
        expect(set.spec.volumeClaimTemplates).toHaveLength(1);
        expect(set.spec.serviceName).toBe(name);
        expect(ofKind(objects, "Service", "v1").map((s) => s.metadata.name)).toContain(name);
      }
    });

    it("ships a dev-only zixly-secrets whose URLs point at the in-cluster stores", () => {
      const secret = named(objects, "Secret", "zixly-secrets");
      expect(secret.metadata.annotations?.["zixly.com/dev-only"]).toBe("true");
      const data = dataByName(objects, "Secret").get("zixly-secrets") ?? {};
      expect(new URL(data.DATABASE_URL).hostname).toBe("postgres");
      expect(new URL(data.REDIS_URL).hostname).toBe("redis");
      expect(new URL(data.DATABASE_URL).password).toBe(data.POSTGRES_PASSWORD);
      expect(new URL(data.REDIS_URL).password).toBe(data.REDIS_PASSWORD);
    });
  });

  describe("eks", () => {
    const objects = rendered.eks;

    it("ships no secret values and no in-cluster stores", () => {
      expect(ofKind(objects, "Secret")).toEqual([]);
      expect(ofKind(objects, "StatefulSet")).toEqual([]);
    });

    it("documents every key of zixly-secrets that a function reads, from env or a mounted volume", () => {
      const readme = readFileSync(repoPath("knative/overlays/eks/README.md"), "utf8");
      for (const s of knativeServices(objects)) {
        for (const e of s.spec.template.spec.containers[0].env) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) expect(readme, `${ref.key}`).toContain(`\`${ref.key}\``);
        }
        for (const v of s.spec.template.spec.volumes ?? []) {
          for (const item of v.secret?.items ?? []) {
            expect(readme, `${item.key}`).toContain(`\`${item.key}\``);
          }
        }
      }
    });

    it("puts the Broker on the Kafka class, with its config", () => {
      const broker = named(objects, "Broker", "default");
      expect(broker.metadata.annotations?.["eventing.knative.dev/broker.class"]).toBe("Kafka");
      expect(broker.spec.config).toMatchObject({ kind: "ConfigMap", name: "kafka-broker-config" });
    });

    it("forbids insecure URLs, annotates the function accounts for IRSA, and scales higher", () => {
      expect([...dataByName(objects, "ConfigMap").values()][0].ALLOW_INSECURE_URLS).toBe("false");
      const accounts = new Set(
        knativeServices(objects).map((s) => s.spec.template.spec.serviceAccountName as string),
      );
      expect([...accounts].sort()).toEqual([
        "zixly-api",
        "zixly-function",
        "zixly-job-canceller",
        "zixly-jobs",
      ]);
      for (const name of accounts) {
        const account = named(objects, "ServiceAccount", name);
        expect(account.metadata.annotations?.["eks.amazonaws.com/role-arn"]).toMatch(
          /^arn:aws:iam::\d{12}:role\//,
        );
      }
      const eks = maxScales(objects);
      for (const [name, kindMax] of Object.entries(maxScales(rendered.kind))) {
        expect(eks[name], name).toBeGreaterThan(kindMax);
      }
      for (const s of knativeServices(objects)) {
        expect(s.spec.template.spec.containers[0].resources.requests.cpu).toBe("500m");
      }
    });
  });
});

// The overlays render, every rendered object passes its schema, and every reference resolves.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EVENTS } from "../events/registry.ts";
import { validateObject } from "./models.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  ofKind,
  parseYamlDocuments,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { knativeServices, podTemplates } from "./workloads.ts";

const OVERLAYS = ["kind", "eks"] as const;

/** The event types the pipeline's functions consume; each needs a Trigger. */
const CORE_TYPES = [
  "com.zixly.backtest.requested.v1",
  "com.zixly.backtest.shard.completed.v1",
  "com.zixly.backtest.shard.failed.v1",
  "com.zixly.backtest.shard.progress.v1",
  "com.zixly.backtest.completed.v1",
  "com.zixly.backtest.failed.v1",
];

/** Every function folder with an index.ts: each is one Knative Service of the same name. */
const FUNCTION_NAMES = readdirSync(repoPath("functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "test-support")
  .filter((d) => readdirSync(repoPath(`functions/${d.name}`)).includes("index.ts"))
  .map((d) => d.name)
  .sort();

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("rendered manifests"), () => {
  /** Kinds without a namespace that the overlays render (besides the Namespace itself). */
  const CLUSTER_SCOPED = new Set(["PersistentVolume"]);

  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    const objects: K8sObject[] = HAS_KUBECTL ? renderOverlay(overlay) : [];

    it("renders objects, each in the zixly namespace unless cluster-scoped", () => {
      expect(objects.length).toBeGreaterThan(20);
      for (const o of objects) {
        if (o.kind === "Namespace") expect(o.metadata.name).toBe("zixly");
        else if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, o.kind).toBeUndefined();
        else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("zixly");
      }
    });

    it("validates every object against its kubernetes-models schema; unknown kinds fail", () => {
      const failures: string[] = [];
      for (const o of objects) {
        try {
          validateObject(o);
        } catch (error) {
          failures.push(`${o.apiVersion}/${o.kind} ${o.metadata.name}: ${String(error)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it("names no object twice", () => {
      const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("has one Knative Service per function folder, running that FUNCTION_TARGET", () => {
      const services = knativeServices(objects);
      expect(services.map((s) => s.metadata.name).sort()).toEqual(FUNCTION_NAMES);
      for (const s of services) {
        const env = s.spec.template.spec.containers[0].env as { name: string; value?: string }[];
        expect(env.find((e) => e.name === "FUNCTION_TARGET")?.value).toBe(s.metadata.name);
      }
    });

    it("lists every Knative Service's FUNCTION_TARGET among functions/serve.ts's targets", () => {
      const serve = readFileSync(repoPath("functions/serve.ts"), "utf8");
      for (const name of FUNCTION_NAMES) expect(serve).toContain(`import("./${name}/index.ts")`);
    });

    it("deploys the Triggers and the Broker exactly as the embedded broker reads them", () => {
      const strip = (o: K8sObject) => ({ apiVersion: o.apiVersion, kind: o.kind, spec: o.spec });
      for (const file of ["triggers.yaml", "broker.yaml"]) {
        const source = parseYamlDocuments(readFileSync(repoPath(`knative/base/${file}`), "utf8"));
        for (const doc of source) {
          const rendered = named(objects, doc.kind, doc.metadata.name);
          // eks moves the Broker to Kafka with a `config`; routing and delivery stay the same.
          const { config: _config, ...spec } = rendered.spec ?? {};
          expect(strip({ ...rendered, spec }), `${doc.kind}/${doc.metadata.name}`).toEqual(
            strip(doc),
          );
        }
      }
    });

    it("gives every Trigger a Broker and a subscriber Service that exist", () => {
      const brokers = ofKind(objects, "Broker").map((b) => b.metadata.name);
      const services = knativeServices(objects).map((s) => s.metadata.name);
      for (const t of ofKind(objects, "Trigger")) {
        expect(brokers, t.metadata.name).toContain(t.spec.broker);
        expect(t.spec.subscriber.ref.kind).toBe("Service");
        expect(services, t.metadata.name).toContain(t.spec.subscriber.ref.name);
      }
      for (const b of ofKind(objects, "Broker")) {
        expect(services).toContain(b.spec.delivery.deadLetterSink.ref.name);
      }
    });

    it("has a Trigger for every event type of events/registry.ts", () => {
      const types = new Set(ofKind(objects, "Trigger").map((t) => t.spec.filter.attributes.type));
      for (const type of [...CORE_TYPES, ...Object.keys(EVENTS)]) {
        expect(types.has(type), `no Trigger for ${type}`).toBe(true);
      }
    });

    it("has a source for every Knative source event type a Trigger filters on", () => {
      const types = ofKind(objects, "Trigger").map((t) => t.spec.filter.attributes.type as string);
      const sources = (kind: string) => ofKind(objects, kind, "sources.knative.dev");
      for (const type of types) {
        if (type.startsWith("dev.knative.apiserver.resource.")) {
          expect(sources("ApiServerSource").length, type).toBeGreaterThan(0);
        }
        if (type === "dev.knative.sources.ping") {
          expect(sources("PingSource").length, type).toBeGreaterThan(0);
        }
      }
    });

    it("points every source at a Broker of the render", () => {
      const brokers = ofKind(objects, "Broker").map((b) => b.metadata.name);
      for (const s of objects.filter((o) => o.apiVersion === "sources.knative.dev/v1")) {
        expect(s.spec.sink.ref.kind).toBe("Broker");
        expect(brokers, s.metadata.name).toContain(s.spec.sink.ref.name);
      }
    });

    it("gives every pod and source a ServiceAccount that exists", () => {
      const accounts = ofKind(objects, "ServiceAccount").map((a) => a.metadata.name);
      for (const pod of podTemplates(objects)) {
        if (pod.owner.kind === "StatefulSet") continue; // the default account, token unmounted
        expect(accounts, pod.id).toContain(pod.spec.serviceAccountName);
      }
      for (const s of ofKind(objects, "ApiServerSource")) {
        expect(accounts).toContain(s.spec.serviceAccountName);
      }
    });

    it("refers only to ConfigMaps of the render, and to Secrets of the render or zixly-secrets", () => {
      const configMaps = ofKind(objects, "ConfigMap").map((c) => c.metadata.name);
      const secrets = ofKind(objects, "Secret").map((c) => c.metadata.name);
      for (const pod of podTemplates(objects)) {
        for (const c of pod.containers) {
          for (const from of c.envFrom ?? []) {
            if (from.configMapRef) expect(configMaps, pod.id).toContain(from.configMapRef.name);
          }
          for (const e of c.env ?? []) {
            const cm = e.valueFrom?.configMapKeyRef;
            if (cm) expect(configMaps, pod.id).toContain(cm.name);
            const secret = e.valueFrom?.secretKeyRef;
            // eks expects zixly-secrets to exist already; kind ships it.
            if (secret) expect([...secrets, "zixly-secrets"], pod.id).toContain(secret.name);
          }
        }
      }
    });
  });
});

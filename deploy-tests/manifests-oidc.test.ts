// Sender authentication on the cluster (knative/components/broker-oidc, in overlays/eks):
// every function holds a token for the Broker's audience, and the EventPolicy lets exactly our
// senders in. EventPolicy has no CRD in ../shared/schemas: event-policy.ts checks its shape by
// hand, and these tests check what it names against the render.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jobServiceAccount } from "./job-pod.ts";
import { validateObject } from "./models.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  ofKind,
  readYamlFile,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { knativeServices, podTemplates } from "./workloads.ts";

/** The overlays that include the component. */
const OIDC_OVERLAYS = ["eks"] as const;

/** The Broker's audience: `<group>/<kind>/<namespace>/<name>`, lower case (Knative's auth.GetAudience). */
const audienceOf = (namespace: string, broker: string) =>
  `eventing.knative.dev/broker/${namespace}/${broker}`.toLowerCase();

interface Projection {
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
}

/** Every projected service-account token of a pod spec, with the volume that holds it. */
function projectedTokens(spec: {
  volumes?: { name: string; projected?: { sources: Projection[] } }[];
}) {
  return (spec.volumes ?? []).flatMap((v) =>
    (v.projected?.sources ?? []).flatMap((s) =>
      s.serviceAccountToken ? [{ volume: v.name, token: s.serviceAccountToken }] : [],
    ),
  );
}

describe("the EventPolicy check of deploy-tests/models.ts", () => {
  const source = readYamlFile("knative/components/broker-oidc/event-policy.yaml") as K8sObject;
  /** The file as the component's replacement writes it: NAMESPACE becomes the overlay's. */
  const file = JSON.parse(JSON.stringify(source).replaceAll("NAMESPACE", "zixly")) as K8sObject;
  type Editable = { -readonly [Field in keyof K8sObject]: K8sObject[Field] };
  const broken = (mutate: (o: Editable) => void) => {
    const copy: Editable = structuredClone(file);
    mutate(copy);
    return () => validateObject(copy);
  };

  it("passes knative/components/broker-oidc/event-policy.yaml once its namespace is written", () => {
    expect(() => validateObject(file)).not.toThrow();
    // The placeholder is no namespace: a render whose replacement did not run fails.
    expect(() => validateObject(source)).toThrow(/service account/);
  });

  it("fails a misspelt field, a sender that is both ref and sub, a non-account subject, no sender", () => {
    expect(
      broken((o) => {
        o.spec.form = o.spec.from;
        delete o.spec.from;
      }),
    ).toThrow();
    expect(
      broken((o) => (o.spec.from[0] = { ...o.spec.from[0], ...o.spec.from.at(-1) })),
    ).toThrow();
    expect(broken((o) => (o.spec.from[0].sub = "zixly-function"))).toThrow(/service account/);
    expect(broken((o) => (o.spec.from = []))).toThrow();
    expect(broken((o) => (o.spec.to[0].ref.kind = "broker"))).toThrow(/Kind/);
    expect(broken((o) => (o.apiVersion = "eventing.knative.dev/v1"))).toThrow(/no model/);
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("sender authentication"), () => {
  describe.each(OIDC_OVERLAYS)("overlay %s", (overlay) => {
    const objects: K8sObject[] = HAS_KUBECTL ? renderOverlay(overlay) : [];
    const broker = HAS_KUBECTL ? named(objects, "Broker", "default") : ({} as K8sObject);
    const namespace = broker.metadata?.namespace ?? "";
    const policies = ofKind(objects, "EventPolicy", "eventing.knative.dev");
    const from = (policies[0]?.spec.from ?? []) as {
      sub?: string;
      ref?: K8sObject["metadata"] & { kind: string; apiVersion: string };
    }[];

    it("has one EventPolicy, for the Broker default of the same namespace", () => {
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      expect(policy.metadata.namespace).toBe(namespace);
      expect(policy.spec.to).toEqual([
        { ref: { apiVersion: broker.apiVersion, kind: "Broker", name: broker.metadata.name } },
      ]);
    });

    it("allows exactly the accounts our functions and Jobs run as, each spelled out", () => {
      const accounts = new Set([
        ...knativeServices(objects).map((s) => s.spec.template.spec.serviceAccountName as string),
        jobServiceAccount(),
      ]);
      const expected = [...accounts].map((a) => `system:serviceaccount:${namespace}:${a}`).sort();
      const subjects = from.flatMap((f) => (f.sub ? [f.sub] : [])).sort();
      expect(subjects).toEqual(expected);
      // Rendered here, or the namespace's own `default` that Kubernetes creates.
      const rendered = ofKind(objects, "ServiceAccount").map((a) => a.metadata.name);
      for (const account of accounts) expect([...rendered, "default"], account).toContain(account);
    });

    it("allows each source that sends to the Broker by reference, and nothing else by reference", () => {
      const sources = objects.filter(
        (o) =>
          o.apiVersion.startsWith("sources.knative.dev/") && o.spec.sink?.ref?.kind === "Broker",
      );
      expect(sources.length).toBeGreaterThan(0);
      const refs = from.flatMap((f) => (f.ref ? [f.ref] : []));
      const id = (o: { apiVersion: string; kind: string; name: string }) =>
        `${o.apiVersion}/${o.kind}/${o.name}`;
      expect(refs.map(id).sort()).toEqual(
        sources
          .map((s) => id({ apiVersion: s.apiVersion, kind: s.kind, name: s.metadata.name }))
          .sort(),
      );
      // The ref's namespace defaults to the policy's: the sources are ours.
      for (const ref of refs) expect(ref.namespace ?? namespace).toBe(namespace);
    });

    it("gives every function a read-only token for the Broker's audience, and says where it is", () => {
      const audience = audienceOf(namespace, broker.metadata.name);
      for (const s of knativeServices(objects)) {
        const spec = s.spec.template.spec;
        const [container] = spec.containers;
        const tokens = projectedTokens(spec);
        expect(tokens, s.metadata.name).toHaveLength(1);
        const [{ volume, token }] = tokens;
        expect(token.audience, s.metadata.name).toBe(audience);
        // The kubelet refuses less than 10 minutes; an hour is its default and our cap.
        expect(token.expirationSeconds).toBeGreaterThanOrEqual(600);
        expect(token.expirationSeconds).toBeLessThanOrEqual(3600);
        const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume);
        expect(mount?.readOnly, s.metadata.name).toBe(true);
        const env = Object.fromEntries(
          container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
        );
        expect(env.K_SINK_TOKEN_FILE, s.metadata.name).toBe(`${mount.mountPath}/${token.path}`);
        expect(env.K_SINK_AUDIENCE, s.metadata.name).toBe(audience);
        // K_SINK names the same Broker: /<namespace>/<broker> on the ingress.
        expect(env.K_SINK, s.metadata.name).toMatch(
          new RegExp(`/\\$\\(JOB_NAMESPACE\\)/${broker.metadata.name}$`),
        );
      }
    });
  });

  it("mints no projected token for the API server anywhere: each names the Broker's audience", () => {
    for (const overlay of ["kind", "eks"] as const) {
      for (const pod of podTemplates(renderOverlay(overlay))) {
        for (const { token } of projectedTokens(pod.spec)) {
          expect(token.audience, pod.id).toMatch(
            /^eventing\.knative\.dev\/broker\/[a-z0-9-]+\/[a-z0-9-]+$/,
          );
        }
      }
    }
  });
});

describe("the cluster prerequisites of sender authentication", () => {
  const component = readFileSync(
    repoPath("knative/components/broker-oidc/kustomization.yaml"),
    "utf8",
  );
  const docs = readFileSync(repoPath("docs/kubernetes.md"), "utf8");

  it.each(["authentication-oidc", "transport-encryption", "default-authorization-mode"])(
    "names %s in the component and in docs/kubernetes.md",
    (flag) => {
      expect(component).toContain(flag);
      expect(docs).toContain(flag);
    },
  );
});

// skaffold's image rewrite, replayed over the kind render: a new backtest-job tag reaches
// dispatch-backtest's pod template, so Knative rolls a new Revision instead of leaving warm pods
// launching the old image.
import { describe, expect, it } from "vitest";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  readYamlFile,
  renderOverlay,
} from "./render.ts";

interface ResourceFilter {
  groupKind: string;
  image?: string[];
  labels?: string[];
}

/** skaffold's built-in allowlist for the kinds the render has (manifest.TransformAllowlist). */
const DEFAULT_ALLOW: readonly ResourceFilter[] = [
  { groupKind: "Pod", image: [".*"] },
  { groupKind: "StatefulSet.apps", image: [".*"] },
  { groupKind: "Deployment.apps", image: [".*"] },
  { groupKind: "Job.batch", image: [".*"] },
  { groupKind: "Service.serving.knative.dev", image: [".*"], labels: [".*"] },
];

const groupKindOf = (o: K8sObject) => {
  const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
  return group ? `${o.kind}.${group}` : o.kind;
};

/**
 * The image paths skaffold rewrites per GroupKind: its defaults, each replaced whole by a
 * resourceSelector entry of the same GroupKind, with `.*` segments dropped from paths
 * (renderutil.ConsolidateTransformConfiguration, ConvertJSONPathIndex).
 */
function allowlist(user: readonly ResourceFilter[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of [...DEFAULT_ALLOW, ...user]) {
    out.set(
      f.groupKind,
      (f.image ?? []).map((p) => (p === ".*" ? p : p.replaceAll(".*", ""))),
    );
  }
  return out;
}

/** The base name of an image reference, or undefined where skaffold's parser would refuse it. */
function parseImage(value: string): { base: string; digest: boolean } | undefined {
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/.test(value)) return undefined;
  const [name, digest] = value.split("@");
  const slash = (name as string).lastIndexOf("/");
  const colon = (name as string).lastIndexOf(":");
  const base = colon > slash ? (name as string).slice(0, colon) : (name as string);
  return { base, digest: digest !== undefined };
}

/**
 * skaffold's ReplaceImages (kubernetes/manifest/images.go, visitor.go): walks every field of
 * an allowed object, lists do not add to the path, and a string at an allowed path that names
 * a built image without a digest becomes the built tag.
 */
function rewrite(
  objects: readonly K8sObject[],
  tags: Record<string, string>,
  user: ResourceFilter[],
) {
  const allow = allowlist(user);
  const out = structuredClone(objects) as K8sObject[];
  for (const object of out) {
    const paths = allow.get(groupKindOf(object));
    if (!paths) continue;
    const visit = (navpath: string, node: unknown) => {
      if (Array.isArray(node)) {
        for (const item of node) visit(navpath, item);
        return;
      }
      if (node === null || typeof node !== "object") return;
      const entries = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(entries)) {
        const path = `${navpath}.${key}`;
        const allowed = paths.some((p) => (p === ".*" && key === "image") || p === path);
        if (allowed && typeof value === "string") {
          const parsed = parseImage(value);
          if (parsed && !parsed.digest && tags[parsed.base]) entries[key] = tags[parsed.base];
          continue;
        }
        visit(path, value);
      }
    };
    visit("", object);
  }
  return out;
}

const skaffold = readYamlFile("skaffold.yaml") as { resourceSelector: { allow: ResourceFilter[] } };
const built = (jobTag: string) => ({
  "dev.local/zixly/functions": "dev.local/zixly/functions:f1",
  "dev.local/zixly/backtest-job": `dev.local/zixly/backtest-job:${jobTag}`,
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("skaffold's image rewrite of the kind render"), () => {
  const objects = HAS_KUBECTL ? renderOverlay("kind") : [];
  const template = (render: K8sObject[], name: string) =>
    JSON.stringify(named(render, "Service", name).spec.template);
  const jobImageOf = (render: K8sObject[]) => {
    const env = named(render, "Service", "dispatch-backtest").spec.template.spec.containers[0].env;
    return env.find((e: { name: string }) => e.name === "JOB_IMAGE")?.value;
  };

  it("regression: a new backtest-job tag changes dispatch-backtest's template, so its Revision rolls", () => {
    const a = rewrite(objects, built("a1"), skaffold.resourceSelector.allow);
    const b = rewrite(objects, built("b2"), skaffold.resourceSelector.allow);
    expect(jobImageOf(a)).toBe("dev.local/zixly/backtest-job:a1");
    expect(jobImageOf(b)).toBe("dev.local/zixly/backtest-job:b2");
    expect(template(a, "dispatch-backtest")).not.toBe(template(b, "dispatch-backtest"));
    // The ConfigMap's copy agrees, and functions that launch nothing keep their Revision.
    const config = a.find((o) => o.kind === "ConfigMap" && o.data?.JOB_IMAGE);
    expect(config?.data.JOB_IMAGE).toBe("dev.local/zixly/backtest-job:a1");
    expect(template(a, "notify")).toBe(template(b, "notify"));
  });

  it("still rewrites every container image, and no other env value", () => {
    const a = rewrite(objects, built("a1"), skaffold.resourceSelector.allow);
    for (const s of a.filter((o) => o.kind === "Service" && o.apiVersion.startsWith("serving"))) {
      expect(s.spec.template.spec.containers[0].image).toBe("dev.local/zixly/functions:f1");
      const before = named(objects, "Service", s.metadata.name).spec.template.spec.containers[0]
        .env;
      const after = s.spec.template.spec.containers[0].env;
      for (const [i, e] of after.entries()) {
        if (e.name !== "JOB_IMAGE") expect(e, `${s.metadata.name} ${e.name}`).toEqual(before[i]);
      }
    }
  });

  it("would have caught the bug: with the ConfigMap alone rewritten, dispatch-backtest never rolled", () => {
    const only = [{ groupKind: "ConfigMap", image: [".data.JOB_IMAGE"] }];
    const withoutEnv = objects.map((o) =>
      o.kind === "Service" && o.metadata.name === "dispatch-backtest"
        ? {
            ...o,
            spec: {
              ...o.spec,
              template: {
                ...o.spec.template,
                spec: {
                  ...o.spec.template.spec,
                  containers: [
                    {
                      ...o.spec.template.spec.containers[0],
                      env: o.spec.template.spec.containers[0].env.filter(
                        (e: { name: string }) => e.name !== "JOB_IMAGE",
                      ),
                    },
                  ],
                },
              },
            },
          }
        : o,
    ) as K8sObject[];
    const a = rewrite(withoutEnv, built("a1"), only);
    const b = rewrite(withoutEnv, built("b2"), only);
    expect(template(a, "dispatch-backtest")).toBe(template(b, "dispatch-backtest"));
  });
});

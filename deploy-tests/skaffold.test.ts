// skaffold.yaml, the `skaffold dev` loop: valid by skaffold's v4beta14 schema, building the
// images the rendered overlays name, for both the default (kind) and the eks profile.
import { existsSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  readYamlFile,
  renderOverlay,
  repoPath,
  sharedSchema,
} from "./render.ts";
import { knativeServices } from "./workloads.ts";

interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build: {
    local?: { push?: boolean };
    platforms?: string[];
    artifacts: { image: string; docker: { dockerfile: string } }[];
  };
  manifests: { kustomize: { paths: string[] } };
  deploy: { kubectl: { hooks?: unknown } };
  resourceSelector?: { allow?: { groupKind: string; image?: string[] }[] };
  portForward?: { resourceType: string; resourceName: string; namespace: string }[];
  profiles: { name: string; patches?: { op: string; path: string; value?: unknown }[] }[];
}

const skaffold = readYamlFile("skaffold.yaml") as SkaffoldConfig;
const schema = sharedSchema("skaffold-v4beta14.json");

/** The config with a profile's JSON patches applied (add, replace, remove: what skaffold.yaml uses). */
function withProfile(config: SkaffoldConfig, name: string): SkaffoldConfig {
  const out = structuredClone(config) as unknown as Record<string, unknown>;
  const profile = config.profiles.find((p) => p.name === name);
  if (!profile) throw new Error(`no profile ${name}`);
  for (const patch of profile.patches ?? []) {
    const keys = patch.path.split("/").slice(1);
    const last = keys.pop() as string;
    let parent = out as Record<string, unknown>;
    for (const key of keys) parent = parent[key] as Record<string, unknown>;
    if (patch.op !== "add" && !(last in parent)) {
      throw new Error(`${patch.op} ${patch.path}: no such field`);
    }
    if (patch.op === "add") {
      if (last in parent) throw new Error(`add ${patch.path}: exists already`);
      parent[last] = patch.value;
      continue;
    }
    if (patch.op === "replace") parent[last] = patch.value;
    else if (patch.op === "remove") delete parent[last];
    else throw new Error(`op ${patch.op} is not simulated`);
  }
  return out as unknown as SkaffoldConfig;
}

/** Our images as a render names them: the Services' and JOB_IMAGE. */
function imagesOf(objects: readonly K8sObject[]): string[] {
  const config = objects.find((o) => o.kind === "ConfigMap" && o.data?.JOB_IMAGE);
  return [
    ...new Set([
      ...knativeServices(objects).map((s) => s.spec.template.spec.containers[0].image as string),
      config?.data.JOB_IMAGE as string,
    ]),
  ].sort();
}

describe("skaffold.yaml", () => {
  it("is apiVersion skaffold/v4beta14 (the schema does not check it)", () => {
    expect(skaffold.apiVersion).toBe("skaffold/v4beta14");
    expect(skaffold.kind).toBe("Config");
  });

  it.skipIf(!schema)(
    `validates against skaffold's v4beta14 schema${schema ? "" : " (skipped: ../shared/schemas/skaffold-v4beta14.json is absent)"}`,
    () => {
      const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
      const validate = ajv.compile(schema ?? {});
      expect(validate(skaffold), JSON.stringify(validate.errors, null, 2)).toBe(true);
    },
  );

  it("builds both images from Dockerfiles that exist, and deploys overlays that exist", () => {
    for (const config of [skaffold, withProfile(skaffold, "eks")]) {
      expect(config.build.artifacts.map((a) => a.docker.dockerfile)).toEqual([
        "Dockerfile.functions",
        "Dockerfile.backtest-job",
      ]);
      for (const a of config.build.artifacts)
        expect(existsSync(repoPath(a.docker.dockerfile))).toBe(true);
      for (const path of config.manifests.kustomize.paths) {
        expect(existsSync(repoPath(`${path}/kustomization.yaml`)), path).toBe(true);
      }
    }
    expect(skaffold.manifests.kustomize.paths).toEqual(["knative/overlays/kind"]);
    expect(withProfile(skaffold, "eks").manifests.kustomize.paths).toEqual([
      "knative/overlays/eks",
    ]);
  });

  it("lets skaffold rewrite JOB_IMAGE, which is not an image field it knows", () => {
    expect(skaffold.resourceSelector?.allow).toContainEqual({
      groupKind: "ConfigMap",
      image: [".data.JOB_IMAGE"],
    });
    // deploy-tests/image-rewrite.test.ts runs skaffold's rewrite over the render.
    expect(skaffold.resourceSelector?.allow).toContainEqual({
      groupKind: "Service.serving.knative.dev",
      image: [".*", ".spec.template.spec.containers.*.env.*.value"],
      labels: [".*"],
    });
  });

  it("forwards the Kourier ingress, through which ingest-webhook and api are reached", () => {
    expect(skaffold.portForward).toContainEqual(
      expect.objectContaining({ resourceType: "service", resourceName: "kourier" }),
    );
  });

  it("pushes for eks only, built for the nodes' platform, and sets Knative's flags on both", () => {
    expect(skaffold.build.local?.push).toBe(false);
    expect(skaffold.build.platforms).toBeUndefined();
    const eks = withProfile(skaffold, "eks");
    expect(eks.build.local?.push).toBe(true);
    // Images built on an arm64 laptop would not start on amd64 nodes (exec format error).
    expect(eks.build.platforms).toEqual(["linux/amd64"]);
    // deploy-tests/cluster-setup.test.ts checks what the hook applies.
    expect(JSON.stringify(eks.deploy.kubectl.hooks)).toContain(
      "knative/cluster/serving-features.yaml",
    );
    expect(JSON.stringify(skaffold.deploy.kubectl.hooks)).toContain(
      "knative/cluster/serving-features.yaml",
    );
  });

  describe.skipIf(!HAS_KUBECTL)(kubectlTitle("artifacts and overlays"), () => {
    it.each([
      ["default", "kind"],
      ["eks", "eks"],
    ] as const)("the %s build names exactly the images overlay %s deploys", (profile, overlay) => {
      const config = profile === "default" ? skaffold : withProfile(skaffold, profile);
      const built = config.build.artifacts.map((a) => a.image).sort();
      expect(imagesOf(renderOverlay(overlay))).toEqual(built);
    });
  });
});

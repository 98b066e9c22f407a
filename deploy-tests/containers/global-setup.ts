// Once per `npm run test:containers`: find a Docker engine, build the base images from Debian
// packages and both application images on them, and print their sizes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import {
  docker,
  engineProblem,
  FUNCTIONS_IMAGE,
  figure,
  imageBytes,
  JOB_IMAGE,
  NODE_BASE,
  run,
} from "./docker.ts";

const MB = 1024 * 1024;

/** Where Debian keeps the certificate authorities an administrator added to its trust store. */
const LOCAL_CA_DIR = "/usr/local/share/ca-certificates";

/**
 * EXTRA_CA_CERTS for build.sh: the authorities this machine added to its own trust store (a
 * TLS-inspecting proxy's, say), so that npm in the build stage trusts what the host trusts.
 * Nothing when EXTRA_CA_CERTS is set already or the machine added none.
 */
function localCertificates(): Record<string, string> {
  if (process.env.EXTRA_CA_CERTS || !existsSync(LOCAL_CA_DIR)) return {};
  const files = readdirSync(LOCAL_CA_DIR, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".crt"))
    .sort();
  if (files.length === 0) return {};
  const bundle = join(mkdtempSync(join(tmpdir(), "zixly-ca-")), "local-ca.pem");
  writeFileSync(bundle, files.map((f) => readFileSync(join(LOCAL_CA_DIR, f), "utf8")).join("\n"));
  return { EXTRA_CA_CERTS: bundle };
}

export default async function setup(project: TestProject): Promise<void> {
  const problem = engineProblem();
  if (problem) {
    process.stderr.write(`test:containers: skipped, ${problem}\n`);
    project.provide("containers", { skip: problem });
    return;
  }
  // The base images, made from Debian packages: no image registry is needed (or reachable
  // here). A second run rebuilds nothing.
  const t0 = performance.now();
  const certificates = localCertificates();
  const bases = await run("bash", ["deploy/base-images/build.sh"], {
    env: { ...process.env, ...certificates },
    timeoutMs: 1_200_000,
  });
  if (certificates.EXTRA_CA_CERTS) {
    rmSync(dirname(certificates.EXTRA_CA_CERTS), { recursive: true, force: true });
  }
  if (bases.code !== 0) {
    throw new Error(`deploy/base-images/build.sh failed:\n${bases.stdout}\n${bases.stderr}`);
  }
  figure(`base images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Both images on the air-gapped Node base, with the classic builder (no buildx needed), and
  // tagged with the names the manifests use too.
  const builds: [string, string, string[]][] = [
    ["Dockerfile.functions", FUNCTIONS_IMAGE, ["dev.local/zixly/functions"]],
    ["Dockerfile.backtest-job", JOB_IMAGE, ["dev.local/zixly/backtest-job"]],
  ];
  for (const [file, image, aliases] of builds) {
    const t = performance.now();
    const tags = [image, ...aliases].flatMap((tag) => ["-t", tag]);
    const built = await run(
      "docker",
      ["build", "-q", "--build-arg", `NODE_IMAGE=${NODE_BASE}`, "-f", file, ...tags, "."],
      { env: { ...process.env, DOCKER_BUILDKIT: "0" }, timeoutMs: 1_200_000 },
    );
    if (built.code !== 0) throw new Error(`docker build -f ${file} failed:\n${built.stderr}`);
    const total = await imageBytes(image);
    const base = await imageBytes(NODE_BASE);
    figure(
      `${image}: ${(total / MB).toFixed(0)} MB, ${((total - base) / MB).toFixed(1)} MB over ${NODE_BASE} (built in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  await docker(["image", "prune", "-f"]);
  project.provide("containers", {});
}

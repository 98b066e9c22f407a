// Builds the zixly bin: the CLI and its sweep worker as esbuild bundles in dist/, run by plain node.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle, type ImageSpec } from "../images/bundle.ts";

/** The repository root, where `npm ci` (its prepare script) writes dist/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What the bin runs: the CLI, and the worker its sweeps start (worker-pool.ts finds
 * `sweep-worker.js` beside itself in a build). Nothing of the toolchain, so the bin starts
 * without compiling TypeScript; pg's optional native binding is never installed.
 */
export const CLI_SPEC: ImageSpec = {
  entries: ["backtest-job/cli.ts", "backtest-job/sweep-worker.ts"],
  absent: ["pg-native"],
  forbidden: ["tsx", "esbuild", "typescript", "vitest", "@vitest/", "vite"],
  files: [],
};

/**
 * Writes `root/dist/backtest-job/cli.js`, `root/dist/backtest-job/sweep-worker.js` and their
 * shared chunks (`root/dist/chunks/`, replaced), plus `root/dist/package.json` marking them ES
 * modules. The bundles are made in a temporary folder first: `bundle` empties its output
 * folder, and dist/ may hold a `tsc` build (npm run build) that stays as it is.
 *
 * @example await buildCli(repoRoot); // then: node dist/backtest-job/cli.js help
 */
export async function buildCli(root: string = ROOT): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), "zixly-cli-"));
  try {
    await bundle("cli", CLI_SPEC, staging);
    const dist = join(root, "dist");
    await mkdir(dist, { recursive: true });
    await rm(join(dist, "chunks"), { recursive: true, force: true });
    await cp(join(staging, "dist"), dist, { recursive: true });
    await writeFile(
      join(dist, "package.json"),
      `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`,
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// npm's prepare script (every `npm ci`): tsx backtest-job/cli-build.ts
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
}

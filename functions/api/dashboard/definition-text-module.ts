// Makes the dashboard's copy of the definition renderer: the engine's TypeScript with its types stripped.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

/** The one source of the rule text that `zixly run` and the dashboard both show. */
export const SOURCE = fileURLToPath(
  new URL("../../../backtest-job/engine/definition/describe-definition.ts", import.meta.url),
);
/** The module the page loads (served by dashboard-router.ts as `dashboard/definition-text.js`). */
export const TARGET = fileURLToPath(new URL("./assets/definition-text.js", import.meta.url));

const HEADER =
  "// Generated from backtest-job/engine/definition/describe-definition.ts (types stripped): edit\n" +
  "// that file, then run `npx tsx functions/api/dashboard/definition-text-module.ts`.\n";

/**
 * The page's module: the renderer as plain JavaScript. The dashboard has no build step
 * (docs/decisions/0017-dashboard.md), so the file is committed, and
 * definition-text.test.ts checks that it is still what this makes of the source.
 */
export async function definitionTextModule(): Promise<string> {
  const { code } = await transform(await readFile(SOURCE, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "es2022",
  });
  return HEADER + code;
}

/**
 * JavaScript as esbuild prints it without layout, one statement a line (so a difference reads
 * as a line): equal for sources that differ only in comments and layout.
 */
export async function canonicalJs(source: string): Promise<string> {
  const options = {
    loader: "js",
    format: "esm",
    target: "es2022",
    minifyWhitespace: true,
  } as const;
  return (await transform(source, options)).code.replaceAll(";", ";\n");
}

// npx tsx functions/api/dashboard/definition-text-module.ts: writes TARGET in biome's layout.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(TARGET, await definitionTextModule());
  execFileSync("npx", ["biome", "check", "--write", TARGET], { stdio: "inherit" });
}

// Bundles what each container image runs, laid out as the image's /app: docs/decisions/0034-lean-images.md.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";

/** The repository root: every path below is relative to it. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** What one image runs, what it must never carry, and the files it reads at run time. */
export interface ImageSpec {
  /** Entrypoints, each bundled to `dist/<same path>.js`: one folder deep, as `tsc` builds them. */
  readonly entries: readonly string[];
  /** Packages imported only on paths this image never takes: left out, and absent at run time. */
  readonly absent: readonly string[];
  /** Packages whose code must not reach the image: the build fails if a bundle includes one. */
  readonly forbidden: readonly string[];
  /** Files and folders copied as they are, to the same path: what the code reads at run time. */
  readonly files: readonly string[];
}

/** Never in any runtime image: the toolchain and the tests. */
const TOOLCHAIN = ["tsx", "esbuild", "typescript", "vitest", "@vitest/", "vite"];

export const IMAGES = {
  // One image for every function (FUNCTION_TARGET), the compose broker, and the Jobs that
  // dispatch-backtest runs as child processes under compose (JOB_LAUNCHER=local).
  functions: {
    entries: [
      "functions/serve.ts",
      "stack/broker-main.ts",
      "backtest-job/main.ts",
      "backtest-job/sweep-worker.ts",
    ],
    // Containers always have DATABASE_URL; without it serve stops with exit 2
    // (platform/adapters.ts). pg-native is pg's optional native binding, never installed.
    absent: ["@electric-sql/pglite", "kysely-pglite-dialect", "pg-native"],
    forbidden: TOOLCHAIN,
    files: [
      // The compose broker's routing (platform/broker/trigger-definitions.ts).
      "knative/base/broker.yaml",
      "knative/base/triggers.yaml",
      // The api's dashboard (functions/api/dashboard/dashboard-router.ts), with the two uPlot
      // files it resolves through node_modules.
      "functions/api/dashboard/assets",
      "node_modules/uplot/package.json",
      "node_modules/uplot/dist/uPlot.iife.min.js",
      "node_modules/uplot/dist/uPlot.min.css",
    ],
  },
  // One shard of a sweep per pod (backtest-job/job/job-env.ts).
  "backtest-job": {
    entries: ["backtest-job/main.ts", "backtest-job/sweep-worker.ts"],
    absent: ["pg-native"],
    forbidden: [...TOOLCHAIN, "@kubernetes/client-node", "@electric-sql/pglite", "pg", "ioredis"],
    files: [],
  },
} as const satisfies Record<string, ImageSpec>;

export type ImageName = keyof typeof IMAGES;

/** The package a bundled input belongs to, or undefined for the project's own files. */
export function packageOf(input: string): string | undefined {
  const match = /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

/** Whether `pkg` is named by an entry of `list`: exactly, or under a scope that ends in `/`. */
const listed = (list: readonly string[], pkg: string) =>
  list.some((entry) => (entry.endsWith("/") ? pkg.startsWith(entry) : pkg === entry));

/**
 * Each module keeps the `import.meta.url` it has in a `tsc` build (dist/<its path>.js), so
 * the code that finds files beside itself (the Trigger files, the dashboard, the sweep worker,
 * the local Job) finds them in the image as it does in dist/, with no change to that code.
 * Entries are one folder deep under dist/, so `../` from any bundle is dist/ itself.
 */
function builtModuleUrls(): Plugin {
  return {
    name: "built-module-urls",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta")) return undefined;
        const built = relative(ROOT, args.path).replace(/\.ts$/, ".js");
        const url = `new URL(${JSON.stringify(`../${built}`)}, import.meta.url).href`;
        return { contents: source.replaceAll(/\bimport\.meta\.url\b/g, url), loader: "ts" };
      });
    },
  };
}

/** Every installed copy of every package under `nodeModules`, nested ones too, by `name@version`. */
export function installedCopies(nodeModules: string): Map<string, string[]> {
  const copies = new Map<string, string[]>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.name.startsWith("@")) {
        visit(path);
        continue;
      }
      const manifest = join(path, "package.json");
      if (existsSync(manifest)) {
        const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as {
          name?: string;
          version?: string;
        };
        if (name && version) {
          const key = `${name}@${version}`;
          copies.set(key, [...(copies.get(key) ?? []), path]);
        }
      }
      visit(join(path, "node_modules"));
    }
  };
  visit(nodeModules);
  for (const paths of copies.values()) paths.sort();
  return copies;
}

/** The folder of the package that `file` belongs to (its last `node_modules/<name>`), if any. */
function packageRoot(file: string): string | undefined {
  const match = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}

/** Marks the plugin's own resolve calls, so they are not intercepted again. */
const ONE_COPY = Symbol("one-copy-per-version");

/**
 * One copy of each package version. npm nests a package under each dependent whose range the
 * top-level copy does not satisfy, so express and its dependencies carry four identical copies
 * of mime-types 3.0.2 and mime-db 1.54.0; bundled as they are, a process parses and evaluates
 * each (mime-types builds its extension maps as it loads: some 20 ms of start each here).
 * Every copy of a `name@version` resolves to the first in path order, as `npm dedupe` would
 * have installed it: docs/decisions/0036-listen-first.md.
 */
function oneCopyPerVersion(): Plugin {
  return {
    name: "one-copy-per-version",
    setup(b) {
      let copies: Map<string, string[]> | undefined;
      const keyOf = new Map<string, string | undefined>();
      const versionKey = (root: string) => {
        if (!keyOf.has(root)) {
          const manifest = join(root, "package.json");
          const pkg = existsSync(manifest)
            ? (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string })
            : {};
          keyOf.set(root, pkg.name && pkg.version ? `${pkg.name}@${pkg.version}` : undefined);
        }
        return keyOf.get(root);
      };
      // Bare specifiers only: a relative import inside a package follows the copy it is in.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === ONE_COPY || args.kind === "entry-point") return undefined;
        if (args.path.startsWith("node:")) return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: ONE_COPY,
        });
        if (found.errors.length > 0 || found.external || found.namespace !== "file")
          return undefined;
        const root = packageRoot(found.path);
        const key = root && versionKey(root);
        if (!root || !key) return undefined;
        copies ??= installedCopies(join(ROOT, "node_modules"));
        const first = copies.get(key)?.[0];
        const path = first && first !== root ? first + found.path.slice(root.length) : found.path;
        return { path, sideEffects: found.sideEffects, suffix: found.suffix };
      });
    },
  };
}

/**
 * zod's error messages in English only. zod re-exports its 50-odd locales as `z.locales` and
 * `z.core.locales`, so a bundle carries all of them (358 KiB of its 734), and every process
 * parses them before it can do anything: zod is by far the largest package serve.ts loads
 * before it listens. We set no locale (English is zod's default, registered by its schemas module), so
 * both namespaces are cut down to `en`; `images/bundle.test.ts` checks that no module of ours
 * names `locales` (docs/decisions/0036-listen-first.md).
 */
function zodEnglishOnly(): Plugin {
  return {
    name: "zod-english-only",
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/\/node_modules\/zod\/v4\/(?:classic|core)\/[^/]+$/.test(args.importer))
          return undefined;
        return { path: resolve(args.resolveDir, args.path), namespace: "zod-english-only" };
      });
      // In place of locales/index.js, which re-exports every locale: English alone.
      b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
        contents: 'export { default as en } from "./en.js";',
        resolveDir: dirname(args.path),
        loader: "js",
      }));
    },
  };
}

// CommonJS packages bundled into an ES module still call require() for node's own modules.
export const BANNER = [
  'import { createRequire as __bundleRequire } from "node:module";',
  "const require = __bundleRequire(import.meta.url);",
].join("\n");

/**
 * Writes `image`'s /app to `outDir`: its bundles under dist/, the files it reads, and a
 * package.json that makes the bundles ES modules. Returns esbuild's metafile.
 *
 * @example
 * await bundleImage("backtest-job", "/tmp/job-app"); // then: node /tmp/job-app/dist/backtest-job/main.js
 */
export function bundleImage(image: ImageName, outDir: string): Promise<Metafile> {
  return bundle(image, IMAGES[image], outDir);
}

/** {@link bundleImage} for any spec: `name` labels errors and the package.json. */
export async function bundle(name: string, spec: ImageSpec, outDir: string): Promise<Metafile> {
  for (const entry of spec.entries) {
    if (entry.split("/").length !== 2) throw new Error(`${entry}: entries are one folder deep`);
  }
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: spec.entries.map((entry) => ({
      in: entry,
      out: `dist/${entry.replace(/\.ts$/, "")}`,
    })),
    outdir: outDir,
    bundle: true,
    // Code shared by entries, and each function's index (functions/serve.ts imports the one
    // FUNCTION_TARGET names), go to chunks: a process parses only what it runs. One folder
    // deep, like the entries (see builtModuleUrls).
    splitting: true,
    chunkNames: "dist/chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    // Readable stack traces: names and lines stay as they are; no source maps ship.
    minify: false,
    sourcemap: false,
    legalComments: "none",
    external: [...spec.absent],
    banner: { js: BANNER },
    plugins: [oneCopyPerVersion(), zodEnglishOnly(), builtModuleUrls()],
    metafile: true,
    logLevel: "error",
  });
  const included = new Set(
    Object.keys(result.metafile.inputs).flatMap((input) => packageOf(input) ?? []),
  );
  const leaked = [...included].filter((pkg) => listed(spec.forbidden, pkg));
  if (leaked.length > 0) throw new Error(`${name}: the bundles include ${leaked.join(", ")}`);
  for (const file of spec.files) {
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await cp(join(ROOT, file), join(outDir, file), { recursive: true });
  }
  await writeFile(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: `zixly-${name}`, private: true, type: "module" }, null, 2)}\n`,
  );
  return result.metafile;
}

// tsx images/bundle.ts <image> <outDir>: what the Dockerfiles' build stages run.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [image, outDir] = process.argv.slice(2);
  if (!image || !(image in IMAGES) || !outDir) {
    process.stderr.write(`usage: bundle.ts <${Object.keys(IMAGES).join("|")}> <outDir>\n`);
    process.exit(2);
  }
  const metafile = await bundleImage(image as ImageName, resolve(outDir));
  let total = 0;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    total += output.bytes;
    process.stdout.write(
      `${relative(process.cwd(), file)}  ${Math.round(output.bytes / 1024)} KiB\n`,
    );
  }
  process.stdout.write(`total  ${Math.round(total / 1024)} KiB of bundles\n`);
}

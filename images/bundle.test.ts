// The image bundles: every entry is there, the Job's carries none of the excluded packages, and no test or map ships.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";
import {
  bundle,
  bundleImage,
  IMAGES,
  type ImageName,
  installedCopies,
  packageOf,
} from "./bundle.ts";

/** What the Job image must never carry (issue 10): the cluster client, PGlite, the toolchain. */
const NOT_IN_JOB = [
  "@kubernetes/client-node",
  "@electric-sql/pglite",
  "kysely-pglite-dialect",
  "tsx",
  "esbuild",
  "typescript",
  "vitest",
];

const built: Partial<Record<ImageName, { dir: string; meta: Metafile; files: string[] }>> = {};
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));

beforeAll(async () => {
  for (const image of Object.keys(IMAGES) as ImageName[]) {
    const dir = tempDir(`zixly-bundle-${image}-`);
    const meta = await bundleImage(image, dir);
    built[image] = { dir, meta, files: filesUnder(dir) };
  }
}, 60_000);
const of = (image: ImageName) => built[image] ?? expect.unreachable(`${image} not bundled`);
const packagesIn = (meta: Metafile) =>
  new Set(Object.keys(meta.inputs).flatMap((input) => packageOf(input) ?? []));

describe.each(Object.keys(IMAGES) as ImageName[])("the %s image's /app", (image) => {
  it("has a bundle for every entry, as an ES module package", () => {
    const { dir } = of(image);
    for (const entry of IMAGES[image].entries) {
      expect(existsSync(join(dir, `dist/${entry.replace(/\.ts$/, ".js")}`)), entry).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).type).toBe("module");
  });

  it("ships no TypeScript, source maps, tests or node_modules beyond the files it reads", () => {
    const { files, meta } = of(image);
    expect(files.filter((f) => /\.(ts|map)$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith("node_modules/"))).toEqual(
      IMAGES[image].files.filter((f) => f.startsWith("node_modules/")),
    );
    const testInputs = Object.keys(meta.inputs).filter((i) =>
      /\.test\.ts$|\.contract\.ts$|test-support|(^|\/)vitest\//.test(i),
    );
    expect(testInputs).toEqual([]);
  });

  it("carries one copy of each package version, however many npm installed", () => {
    const roots = new Map<string, Set<string>>();
    // Files only: a plugin's own modules are named `namespace:path`.
    for (const input of Object.keys(of(image).meta.inputs).filter((i) => !i.includes(":"))) {
      const root = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (!root) continue;
      const { name, version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
      const key = `${name}@${version}`;
      roots.set(key, (roots.get(key) ?? new Set()).add(root));
    }
    const twice = [...roots].filter(([, r]) => r.size > 1).map(([key, r]) => `${key}: ${[...r]}`);
    expect(twice).toEqual([]);
  });

  it("cuts zod's locales to English, and no module of ours asks for another", () => {
    const inputs = Object.keys(of(image).meta.inputs);
    const locales = inputs.filter((i) => i.includes("node_modules/zod/v4/locales/"));
    expect(locales.sort()).toEqual([
      "node_modules/zod/v4/locales/en.js",
      expect.stringMatching(/^zod-english-only:.*\/node_modules\/zod\/v4\/locales\/index\.js$/),
    ]);
    const ours = inputs.filter((i) => !packageOf(i) && !i.includes(":"));
    const naming = ours.filter((i) => /\blocales\b/.test(readFileSync(i, "utf8")));
    expect(naming).toEqual([]);
  });

  it("copies every file the code reads at run time", () => {
    const { dir } = of(image);
    for (const file of IMAGES[image].files) expect(existsSync(join(dir, file)), file).toBe(true);
  });
});

describe("the backtest-job image", () => {
  it("bundles none of the packages the Job does not run", () => {
    const included = packagesIn(of("backtest-job").meta);
    expect(NOT_IN_JOB.filter((pkg) => included.has(pkg))).toEqual([]);
    // The check sees packages at all: the Job does publish with cloudevents.
    expect(included.has("cloudevents")).toBe(true);
  });

  it("reads only the folders its Dockerfile's build stage copies", () => {
    const own = Object.keys(of("backtest-job").meta.inputs).filter((i) => !packageOf(i));
    const folders = new Set(own.map((i) => i.split("/")[0]));
    expect([...folders].sort()).toEqual(["backtest-job", "events", "platform"]);
  });
});

describe("the functions image", () => {
  it("leaves PGlite out: imported only when DATABASE_URL is unset, which containers never are", () => {
    const included = packagesIn(of("functions").meta);
    expect(included.has("@electric-sql/pglite")).toBe(false);
    expect(included.has("@kubernetes/client-node")).toBe(true);
    const serve = readFileSync(join(of("functions").dir, "dist/functions/serve.js"), "utf8");
    expect(serve).not.toMatch(/^import .*@electric-sql\/pglite/m);
  });

  it("keeps each module's built import.meta.url, so files beside the build are found", () => {
    const { dir, files } = of("functions");
    const all = files
      .filter((f) => f.startsWith("dist/"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    expect(all).toContain('new URL("../platform/broker/trigger-definitions.js", import.meta.url)');
    expect(all).toContain('new URL("../backtest-job/worker-pool.js", import.meta.url)');
  });
});

describe("the bundler", () => {
  it("fails the build when a bundle includes a forbidden package", async () => {
    const spec = {
      entries: ["backtest-job/main.ts"],
      absent: ["pg-native"],
      forbidden: ["undici"],
      files: [],
    };
    await expect(bundle("probe", spec, tempDir("zixly-bundle-probe-"))).rejects.toThrow(
      "probe: the bundles include undici",
    );
  });

  it("finds every installed copy of a package version, nested ones too, in path order", () => {
    const root = tempDir("zixly-bundle-copies-");
    const manifest = (dir: string, name: string, version: string) => {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, "package.json"), JSON.stringify({ name, version }));
    };
    manifest("mime-db", "mime-db", "1.52.0");
    manifest("send/node_modules/mime-db", "mime-db", "1.54.0");
    manifest("accepts/node_modules/mime-db", "mime-db", "1.54.0");
    manifest("accepts", "accepts", "2.0.0");
    manifest("@scope/pkg/node_modules/mime-db", "mime-db", "1.54.0");
    const copies = installedCopies(root);
    expect(copies.get("mime-db@1.54.0")?.map((p) => relative(root, p))).toEqual([
      "@scope/pkg/node_modules/mime-db",
      "accepts/node_modules/mime-db",
      "send/node_modules/mime-db",
    ]);
    expect(copies.get("mime-db@1.52.0")?.map((p) => relative(root, p))).toEqual(["mime-db"]);
    expect(dirname(copies.get("accepts@2.0.0")?.[0] ?? "")).toBe(root);
  });

  it("names the package of a bundled input, scoped or not", () => {
    expect(packageOf("node_modules/@kubernetes/client-node/dist/index.js")).toBe(
      "@kubernetes/client-node",
    );
    expect(packageOf("node_modules/a/node_modules/zod/v4/index.js")).toBe("zod");
    expect(packageOf("platform/log.ts")).toBeUndefined();
  });
});

// The two Dockerfiles: any Node base image, bundles only (images/bundle.ts) in the runtime stage,
// what they copy exists and is in the build context, and they run as the uid the pods require.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IMAGES, type ImageName } from "../images/bundle.ts";
import { repoPath } from "./render.ts";

const DOCKERFILES = {
  "Dockerfile.functions": "dist/functions/serve.js",
  "Dockerfile.backtest-job": "dist/backtest-job/main.js",
} as const;
/** The image each Dockerfile bundles (images/bundle.ts). */
const IMAGE_OF: Record<keyof typeof DOCKERFILES, ImageName> = {
  "Dockerfile.functions": "functions",
  "Dockerfile.backtest-job": "backtest-job",
};

const dockerignore = readFileSync(repoPath(".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(file: string): string[] {
  return readFileSync(repoPath(file), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The instructions after the last FROM: the runtime stage. */
function runtimeStage(file: string): string[] {
  const all = instructions(file);
  const last = all.map((l) => l.startsWith("FROM ")).lastIndexOf(true);
  return all.slice(last);
}

/** `dist/x/y.js` as the TypeScript entry it is bundled from. */
const sourceOf = (built: string) => built.replace(/^dist\//, "").replace(/\.js$/, ".ts");

describe.each(Object.entries(DOCKERFILES))("%s", (name, entrypoint) => {
  const file = name as keyof typeof DOCKERFILES;
  const image = IMAGE_OF[file];

  it(`runs node ${entrypoint}, bundled from an entry of images/bundle.ts`, () => {
    const cmd = runtimeStage(file).find((l) => l.startsWith("CMD "));
    expect(JSON.parse(cmd?.slice(4) ?? "null")).toEqual(["node", entrypoint]);
    expect(IMAGES[image].entries).toContain(sourceOf(entrypoint));
    expect(existsSync(repoPath(sourceOf(entrypoint)))).toBe(true);
  });

  it("takes its base image as NODE_IMAGE, the official Node 20 slim image by default", () => {
    const all = instructions(file);
    // Before the first FROM, so that every FROM may use it.
    expect(all[0]).toBe("ARG NODE_IMAGE=node:20-bookworm-slim");
    const froms = all.filter((l) => l.startsWith("FROM "));
    const base = "$" + "{NODE_IMAGE}"; // the Dockerfile's own syntax, not a template
    expect(froms).toEqual([`FROM ${base} AS build`, `FROM ${base}`]);
  });

  it("has no `# syntax=` line, which makes BuildKit fetch a frontend from Docker Hub", () => {
    expect(readFileSync(repoPath(file), "utf8")).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it("bundles its image with npm ci and images/bundle.ts in the build stage", () => {
    const text = instructions(file).join("\n");
    expect(text).toContain("RUN npm ci");
    expect(text).toContain(`RUN node_modules/.bin/tsx images/bundle.ts ${image} /app`);
  });

  it("copies into the runtime stage only the bundled /app: no node_modules, sources or tests", () => {
    const copies = runtimeStage(file).filter((l) => l.startsWith("COPY "));
    expect(copies).toEqual(["COPY --from=build /app ./"]);
  });

  it("copies into the build stage every source folder its bundles read", () => {
    const copied = instructions(file)
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    const folders = new Set(IMAGES[image].entries.map((e) => e.split("/")[0]));
    // The folders of the project the entries import from: what the Job's bundle test pins.
    for (const folder of [...folders, "events", "platform", "images"]) {
      expect(copied, `${file}: ${folder}`).toContain(folder);
    }
    for (const f of IMAGES[image].files.filter((f) => !f.startsWith("node_modules/"))) {
      expect(
        copied.some((c) => f === c || f.startsWith(`${c}/`)),
        `${file}: ${f}`,
      ).toBe(true);
    }
  });

  it("runs as uid 10001, the runAsUser of the pods and compose containers", () => {
    expect(runtimeStage(file)).toContain("USER 10001:10001");
  });

  it("copies from the build context only files that exist and .dockerignore lets through", () => {
    for (const line of instructions(file).filter((l) => l.startsWith("COPY "))) {
      if (line.includes("--from=")) continue;
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        expect(existsSync(repoPath(source)), `${file}: ${source}`).toBe(true);
        const top = source.split("/")[0];
        expect(dockerignore, `${file}: ${source} is ignored`).not.toContain(top);
        expect(dockerignore, `${file}: ${source} is ignored`).not.toContain(source);
      }
    }
  });
});

describe(".dockerignore", () => {
  it("keeps dependencies, build output, local data, git and tests out of the context", () => {
    for (const entry of ["node_modules", "dist", ".data", ".git", "**/*.test.ts"]) {
      expect(dockerignore).toContain(entry);
    }
  });

  it("lets through the Trigger file the functions image bakes in for the embedded broker", () => {
    expect(dockerignore.some((e) => e === "knative" || e.startsWith("knative/"))).toBe(false);
    const copy = instructions("Dockerfile.functions").find((l) => l.includes("triggers.yaml"));
    expect(copy).toBe("COPY knative/base/broker.yaml knative/base/triggers.yaml ./knative/base/");
  });
});

// The two Dockerfiles: what they copy exists and is in the build context, their entrypoints are
// files the build compiles, and they run as the uid the pods require.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoPath } from "./render.ts";

const DOCKERFILES = {
  "Dockerfile.functions": "dist/functions/serve.js",
  "Dockerfile.backtest-job": "dist/backtest-job/main.js",
} as const;

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

/** `dist/x/y.js` as the TypeScript file tsc compiles it from. */
const sourceOf = (built: string) => built.replace(/^dist\//, "").replace(/\.js$/, ".ts");

describe.each(Object.entries(DOCKERFILES))("%s", (file, entrypoint) => {
  it(`runs node ${entrypoint}, compiled from a source that tsconfig.build.json includes`, () => {
    const cmd = runtimeStage(file).find((l) => l.startsWith("CMD "));
    expect(JSON.parse(cmd?.slice(4) ?? "null")).toEqual(["node", entrypoint]);
    const source = sourceOf(entrypoint);
    expect(existsSync(repoPath(source)), source).toBe(true);
    const build = JSON.parse(readFileSync(repoPath("tsconfig.build.json"), "utf8"));
    expect(build.include).toContain(source.split("/")[0]);
  });

  it("builds with npm ci and npm run build, and prunes the dev dependencies", () => {
    const text = instructions(file).join("\n");
    expect(text).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(text).toContain("npm ci");
    expect(text).toContain("npm run build && npm prune --omit=dev");
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

describe("Dockerfile.functions", () => {
  it("keeps the source tree the api's dashboard assets and compose's tsx launcher read", () => {
    const stage = runtimeStage("Dockerfile.functions");
    for (const dir of ["events", "platform", "functions", "backtest-job", "stack"]) {
      expect(stage).toContain(`COPY --from=build /app/${dir} ./${dir}`);
    }
    expect(existsSync(repoPath("functions/api/dashboard/assets"))).toBe(true);
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

// The compiled CLI: package.json's bin is the bundle that `npm ci` (prepare) builds from cli.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, root), "utf8"));

describe("the zixly bin", () => {
  it("is dist/backtest-job/cli.js, where tsconfig.build.json would compile cli.ts too", () => {
    const build = json("tsconfig.build.json");
    const base = json("tsconfig.json");
    expect(build.include).toContain("backtest-job");
    expect(build.compilerOptions.rootDir).toBe(".");
    const outDir = build.compilerOptions.outDir ?? base.compilerOptions.outDir;
    expect(json("package.json").bin).toEqual({ zixly: `${outDir}/backtest-job/cli.js` });
  });

  it("is built by prepare (npm ci), skipped only where the sources are not copied yet", () => {
    const { scripts } = json("package.json");
    expect(scripts.prepare).toBe(
      "[ ! -f backtest-job/cli-build.ts ] || tsx backtest-job/cli-build.ts",
    );
    // npm run zixly runs the bin itself: no TypeScript compiled at start.
    expect(scripts.zixly).toBe("node dist/backtest-job/cli.js");
  });

  it("starts with a node shebang, which the bundle keeps", () => {
    const source = readFileSync(new URL("backtest-job/cli.ts", root), "utf8");
    expect(source.split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("ignores dist/ in git: it is built, never committed", () => {
    const ignored = readFileSync(new URL(".gitignore", root), "utf8").split("\n");
    expect(ignored).toContain("dist/");
  });
});

// The compiled CLI: package.json's bin is the JavaScript that `npm run build` emits for cli.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, root), "utf8"));

describe("the zixly bin", () => {
  it("is backtest-job/cli.ts compiled by tsconfig.build.json (rootDir ., outDir dist)", () => {
    const build = json("tsconfig.build.json");
    const base = json("tsconfig.json");
    expect(build.include).toContain("backtest-job");
    expect(build.compilerOptions.rootDir).toBe(".");
    const outDir = build.compilerOptions.outDir ?? base.compilerOptions.outDir;
    expect(json("package.json").bin).toEqual({ zixly: `${outDir}/backtest-job/cli.js` });
  });

  it("starts with a node shebang, which the compiler keeps", () => {
    const source = readFileSync(new URL("backtest-job/cli.ts", root), "utf8");
    expect(source.split("\n")[0]).toBe("#!/usr/bin/env node");
  });
});

// The compiled bin as npm ci builds it: plain node runs it, help and a sweep on worker threads.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./cli-build.ts";

const run = promisify(execFile);
let root = "";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "zixly-bin-"));
  await buildCli(root);
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const zixly = (...args: string[]) =>
  run(process.execPath, [join(root, "dist/backtest-job/cli.js"), ...args], { cwd: root });

describe("buildCli", () => {
  it("writes the bin with its node shebang, its worker, and an ES-module package.json", async () => {
    const bin = await readFile(join(root, "dist/backtest-job/cli.js"), "utf8");
    expect(bin.split("\n")[0]).toBe("#!/usr/bin/env node");
    expect(existsSync(join(root, "dist/backtest-job/sweep-worker.js"))).toBe(true);
    const pkg = JSON.parse(await readFile(join(root, "dist/package.json"), "utf8"));
    expect(pkg.type).toBe("module");
  });

  it("makes a bin that prints help with plain node, with no TypeScript loader", async () => {
    const { stdout, stderr } = await zixly("help");
    expect(stderr).toBe("");
    expect(stdout).toContain("zixly backtest --data DATA");
    expect(stdout).toContain("--workers N");
  });

  it("makes a bin whose sweeps run on two worker threads from dist/", async () => {
    const grid = '{"fast":{"from":2,"to":9,"step":1},"slow":[20,30]}';
    const args = ["--data", "synthetic:400:3", "--strategy", "sma-crossover", "--grid", grid];
    const two = JSON.parse((await zixly("sweep", ...args, "--workers", "2", "--json")).stdout);
    const one = JSON.parse((await zixly("sweep", ...args, "--workers", "1", "--json")).stdout);
    expect(two.evaluated).toBe(16);
    expect(two.results).toEqual(one.results);
  });
});

// The CLI as a real process, the way scripts call it: exit codes, stdout JSON, stderr lines.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
/** From backtest-job/cli/, two levels up is the repository root. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `npx tsx backtest-job/cli.ts ...args`, resolving with the exit code either way. */
async function zixly(args: string[]) {
  try {
    const { stdout, stderr } = await run("npx", ["tsx", "backtest-job/cli.ts", ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const SMA = ["--data", "synthetic:300:1", "--strategy", "sma-crossover"];

describe("zixly as a process", () => {
  it("backtest --json exits 0 with one parseable JSON object on stdout", async () => {
    const { code, stdout, stderr } = await zixly([
      "backtest",
      ...SMA,
      "--params",
      '{"fast":5,"slow":20}',
      "--json",
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const out = JSON.parse(stdout);
    expect(out.params).toEqual({ fast: 5, slow: 20 });
    expect(out.stats.trades).toBe(out.trades.length);
  });

  it("bad input exits 2 with a single line on stderr and nothing on stdout", async () => {
    const { code, stdout, stderr } = await zixly([
      "backtest",
      ...SMA,
      "--params",
      '{"fast":30,"slow":20}',
      "--json",
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "error: --params: invalid parameters for sma-crossover: fast: fast must be less than slow\n",
    );
  });
});

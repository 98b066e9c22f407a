// Test-only: runs the CLI's main in-process with captured streams, and common arguments.
import { main } from "../main.ts";

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `main(argv)` in-process; `stderrIsTTY` pretends stderr is a terminal. */
export async function runCli(argv: string[], stderrIsTTY = false): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stderrIsTTY,
  });
  return { code, stdout, stderr };
}

export const SMA = ["--strategy", "sma-crossover"];
export const DATA = ["--data", "synthetic:300:1"];
export const PARAMS = ["--params", '{"fast":5,"slow":20}'];
/** Six combinations: fast 5 or 10, slow 20, 30 or 40. */
export const GRID = ["--grid", '{"fast":[5,10],"slow":{"from":20,"to":40,"step":10}}'];
/** An ISO-8601 UTC timestamp as Date.toISOString writes it. */
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

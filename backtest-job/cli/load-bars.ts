// Reads the bars named by --data: a CSV file, or seeded synthetic bars for demos and tests.
import { readFile } from "node:fs/promises";
import type { Bars } from "../engine/bars.ts";
import { parseCsv } from "../engine/csv.ts";
import { syntheticBars } from "../engine/synthetic.ts";
import { BadInput, blame } from "./bad-input.ts";

/** The prefix that selects synthetic bars instead of a file: `synthetic:BARS:SEED`. */
export const SYNTHETIC_PREFIX = "synthetic:";

/** Why a file could not be read, for the common errno codes; others print their code. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

/** Why reading a file failed, in a few words: "no such file", or the errno code. */
export function readFailure(error: unknown): string {
  const code = String((error as NodeJS.ErrnoException).code ?? "");
  return READ_FAILURES[code] ?? (code || String(error));
}

/**
 * Loads `--data`: `synthetic:2500:42` gives 2500 business-day bars from seed 42 (see
 * syntheticBars); anything else is a CSV path, parsed by parseCsv.
 * @throws {BadInput} naming --data, and for CSV problems the line and column.
 */
export async function loadBars(spec: string): Promise<Bars> {
  if (spec.startsWith(SYNTHETIC_PREFIX)) return synthetic(spec);
  let text: string;
  try {
    text = await readFile(spec, "utf8");
  } catch (error) {
    throw new BadInput(`--data: cannot read "${spec}": ${readFailure(error)}`, { cause: error });
  }
  return blame("--data", () => parseCsv(text));
}

function synthetic(spec: string): Bars {
  const m = /^synthetic:(\d+):(-?\d+)$/.exec(spec);
  if (!m) {
    throw new BadInput(
      `--data: "${spec}" must be synthetic:BARS:SEED, for example synthetic:2500:42`,
    );
  }
  return blame("--data", () => syntheticBars({ bars: Number(m[1]), seed: Number(m[2]) }));
}

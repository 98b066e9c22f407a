// The one place where errors become exit codes and the one-line message on stderr.
import { EngineError } from "../engine/errors.ts";
import { BadInput } from "./bad-input.ts";

/** Exit codes of the CLI. 2 for bad input follows the shell convention for usage errors. */
export const EXIT = { ok: 0, internal: 1, badInput: 2 } as const;

/** What to tell the user about an error, and how to exit. */
export interface ErrorReport {
  readonly exitCode: number;
  /** One line, without the trailing newline. */
  readonly line: string;
}

/**
 * Classifies an error: {@link BadInput} and engine errors (`CsvError`, `InvalidParams`) are
 * the user's to fix and exit 2; anything else is our bug and exits 1, marked `internal`.
 */
export function reportError(error: unknown): ErrorReport {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BadInput || error instanceof EngineError) {
    return { exitCode: EXIT.badInput, line: `error: ${oneLine(message)}` };
  }
  return { exitCode: EXIT.internal, line: `error: internal: ${oneLine(message)}` };
}

/** Scripts read the first stderr line, so a multi-line message is folded onto one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

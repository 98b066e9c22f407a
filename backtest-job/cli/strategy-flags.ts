// `--strategy NAME` or `--strategy-file FILE`: the strategy a command runs, as the engine resolves it.
import { readFileSync } from "node:fs";
import { InvalidDefinition } from "../engine/errors.ts";
import { resolveStrategy } from "../engine/strategies/index.ts";
import type { AnyStrategy } from "../engine/strategy.ts";
import type { FlagSpec } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import { readFailure } from "./load-bars.ts";

/** `--strategy-file FILE`: a strategy definition as JSON (docs/strategy-definitions.md). */
export const STRATEGY_FILE_FLAG = {
  "strategy-file": { type: "string" },
} as const satisfies FlagSpec;

/** A resolved strategy and what to hand on to a sweep or a request: the name or the definition. */
export interface ChosenStrategy {
  readonly strategy: AnyStrategy;
  readonly ref: string | object;
}

/**
 * Reads and checks the definition in `file`. Every failure is one {@link BadInput} line that
 * names the file and, for an invalid definition, each path inside it.
 *
 * @example readStrategyFile("cross.json") // --strategy-file: "cross.json": entry.long.and: needs at least 2 conditions
 */
export function readStrategyFile(file: string): ChosenStrategy {
  const flag = "--strategy-file";
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new BadInput(`${flag}: cannot read "${file}": ${readFailure(error)}`, { cause: error });
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new BadInput(`${flag}: "${file}" is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new BadInput(`${flag}: "${file}" holds no definition: expected a JSON object`);
  }
  try {
    return { strategy: resolveStrategy(definition), ref: definition };
  } catch (error) {
    if (!(error instanceof InvalidDefinition)) throw error;
    const issues = error.issues.map((i) => `${i.path || "(definition)"}: ${i.message}`);
    throw new BadInput(`${flag}: "${file}": ${issues.join("; ")}`, { cause: error });
  }
}

/**
 * The strategy of `backtest` or `sweep`: exactly one of `--strategy NAME` (a built-in) and
 * `--strategy-file FILE` (a definition).
 */
export function strategyFromFlags(
  command: string,
  flags: { readonly strategy?: string; readonly "strategy-file"?: string },
): ChosenStrategy {
  const name = flags.strategy;
  const file = flags["strategy-file"];
  if (name !== undefined && file !== undefined) {
    throw new BadInput(`${command}: give --strategy or --strategy-file, not both`);
  }
  if (file !== undefined) return readStrategyFile(file);
  if (name === undefined) {
    throw new BadInput(`${command}: missing required flag --strategy or --strategy-file`);
  }
  // The engine's "unknown strategy ..." names the flag's value and the known names already.
  return { strategy: resolveStrategy(name), ref: name };
}

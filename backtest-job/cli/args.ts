// Strict flag parsing for one command on top of node:util parseArgs, with our error wording.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { BadInput } from "./bad-input.ts";

/** A command's flag declarations, as parseArgs takes them. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Flags every data-driven command takes. */
export const COMMON_FLAGS = {
  data: { type: "string" },
  strategy: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagSpec;

/**
 * Parses `args` (the words after the command name) strictly: an unknown flag, a missing value
 * or a stray positional word is a {@link BadInput} naming the flag and the command.
 * @example parseFlags("backtest", ["--data", "x.csv", "--json"], { ...COMMON_FLAGS })
 */
export function parseFlags<const O extends FlagSpec>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw describeParseError(command, error);
  }
}

/**
 * Like {@link parseFlags}, but also returns the positional words, for commands that take
 * some (`help strategies`).
 */
export function parseWords<const O extends FlagSpec>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw describeParseError(command, error);
  }
}

/** Rewords parseArgs' errors (identified by their documented `code`) in the CLI's style. */
function describeParseError(command: string, error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) return error;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const flag = quoted.split(" ")[0];
  const help = `see "zixly help"`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new BadInput(`unknown flag ${flag} for ${command}; ${help}`, { cause: error });
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new BadInput(`${command}: unexpected argument "${flag}"; ${help}`, { cause: error });
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (message.includes("does not take an argument")) {
        return new BadInput(`${flag}: takes no value`, { cause: error });
      }
      // parseArgs will not take "-5" as a value after a flag, so a missing value and a
      // value starting with a dash look the same from here.
      return new BadInput(
        `${flag}: missing value (write ${flag}=VALUE for a value starting with "-")`,
        { cause: error },
      );
    default:
      return new BadInput(message, { cause: error });
  }
}

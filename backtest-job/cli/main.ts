// The CLI's dispatcher: picks the command, and turns every error into one stderr line and a code.
import { parseWords } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import { type CliIo, processIo } from "./cli-io.ts";
import { EXIT, reportError } from "./exit-code.ts";
import { strategiesHelp, usage } from "./usage.ts";

const COMMANDS = [
  "backtest",
  "sweep",
  "submit",
  "runs",
  "run",
  "results",
  "watch",
  "help",
] as const;

/**
 * Runs the CLI on `argv` (without node and the script) and returns the exit code:
 * 0 done, 1 internal error, 2 bad input. Never throws.
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (error) {
    const report = reportError(error);
    io.stderr(`${report.line}\n`);
    return report.exitCode;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return help(rest, io);
    case "backtest": {
      // Every command loads on demand, so `zixly help` reads only what the help text needs.
      const { backtestCommand } = await import("./backtest-command.ts");
      return backtestCommand(rest, io);
    }
    case "sweep": {
      // Loaded on demand: the sweep brings in the worker pool, which backtest and help never use.
      const { sweepCommand } = await import("./sweep-command.ts");
      return sweepCommand(rest, io);
    }
    case "submit": {
      const { submitCommand } = await import("./submit-command.ts");
      return submitCommand(rest, io);
    }
    case "runs": {
      const { runsCommand } = await import("./runs-command.ts");
      return runsCommand(rest, io);
    }
    case "run": {
      const { runCommand } = await import("./run-command.ts");
      return runCommand(rest, io);
    }
    case "results": {
      const { resultsCommand } = await import("./results-command.ts");
      return resultsCommand(rest, io);
    }
    case "watch": {
      const { watchCommand } = await import("./watch-command.ts");
      return watchCommand(rest, io);
    }
    default:
      throw new BadInput(`unknown command "${command}"; commands: ${COMMANDS.join(", ")}`);
  }
}

function help(args: string[], io: CliIo): number {
  const { positionals } = parseWords("help", args, { help: { type: "boolean", short: "h" } });
  const [topic, ...extra] = positionals;
  if (extra.length || (topic !== undefined && topic !== "strategies")) {
    throw new BadInput(`help: unknown topic "${positionals.join(" ")}"; topics: strategies`);
  }
  io.stdout(topic === "strategies" ? strategiesHelp() : usage());
  return EXIT.ok;
}

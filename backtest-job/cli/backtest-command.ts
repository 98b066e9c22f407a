// `zixly backtest`: one strategy, one parameter set, one data set; prints stats and trades.
import { backtestContext, runBacktest } from "../engine/backtest.ts";
import { parseParams } from "../engine/strategy.ts";
import { COMMON_FLAGS, parseFlags } from "./args.ts";
import { backtestReport } from "./backtest-report.ts";
import { blame } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { jsonFlag, requireFlag } from "./flag-values.ts";
import { backtestJson, jsonText } from "./json-output.ts";
import { loadBars } from "./load-bars.ts";
import { OPTION_FLAGS, optionsFromFlags } from "./option-flags.ts";
import { STRATEGY_FILE_FLAG, strategyFromFlags } from "./strategy-flags.ts";
import { usage } from "./usage.ts";

const FLAGS = {
  ...COMMON_FLAGS,
  ...STRATEGY_FILE_FLAG,
  ...OPTION_FLAGS,
  params: { type: "string" },
} as const;

/**
 * Runs `backtest` with the words after the command name; returns the exit code. The strategy
 * is `--strategy NAME` or a definition in `--strategy-file FILE`.
 * Throws BadInput or an engine error for bad input (main maps it to exit 2).
 * @example backtestCommand(["--data", "synthetic:300:1", "--strategy", "sma-crossover",
 *   "--params", '{"fast":5,"slow":20}', "--json"], io)
 */
export async function backtestCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("backtest", args, FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const dataSpec = requireFlag("backtest", "--data", flags.data);
  const paramsText = requireFlag("backtest", "--params", flags.params);

  // Everything that needs no data is checked first, so a typo fails before a big file loads.
  const { strategy } = strategyFromFlags("backtest", flags);
  const rawParams = jsonFlag("--params", paramsText);
  const params = blame("--params", () => parseParams(strategy, rawParams));
  const options = optionsFromFlags(flags);
  const bars = await loadBars(dataSpec);
  const ctx = blame("--data", () => backtestContext(bars));

  const result = runBacktest(ctx, strategy, params, options);
  io.stdout(flags.json ? jsonText(backtestJson(result)) : backtestReport(strategy.name, result));
  return EXIT.ok;
}

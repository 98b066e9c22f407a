// `zixly sweep`: every combination of a parameter grid on worker threads; prints the best.
import { availableParallelism } from "node:os";
import { backtestContext } from "../engine/backtest.ts";
import { parseShard, planSweep, type Shard, shardSize } from "../engine/grid.ts";
import { isSummaryStat, SUMMARY_STATS, type SummaryStat } from "../engine/summary.ts";
import { runSweep } from "../sweep-pool.ts";
import { defaultWorkers } from "../worker-count.ts";
import { COMMON_FLAGS, parseFlags } from "./args.ts";
import { BadInput, blame } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { jsonFlag, positiveIntegerFlag, requireFlag } from "./flag-values.ts";
import { jsonText, sweepJson } from "./json-output.ts";
import { loadBars } from "./load-bars.ts";
import { OPTION_FLAGS, optionsFromFlags } from "./option-flags.ts";
import { progressBar } from "./progress-bar.ts";
import { STRATEGY_FILE_FLAG, strategyFromFlags } from "./strategy-flags.ts";
import { sweepReport } from "./sweep-report.ts";
import { usage } from "./usage.ts";

const FLAGS = {
  ...COMMON_FLAGS,
  ...STRATEGY_FILE_FLAG,
  ...OPTION_FLAGS,
  grid: { type: "string" },
  top: { type: "string" },
  sort: { type: "string" },
  shard: { type: "string" },
  workers: { type: "string" },
} as const;

/** Rows printed when --top is not given. */
export const DEFAULT_TOP = 10;
/** Statistic ranked by when --sort is not given. */
export const DEFAULT_SORT: SummaryStat = "sharpeRatio";

/**
 * Runs `sweep` with the words after the command name; returns the exit code. The strategy is
 * `--strategy NAME` or a definition in `--strategy-file FILE`.
 * Progress goes to stderr, and only on a terminal, so stdout stays one clean document.
 * @example sweepCommand(["--data", "synthetic:2500:42", "--strategy", "sma-crossover",
 *   "--grid", '{"fast":[5,10],"slow":{"from":20,"to":60,"step":10}}', "--json"], io)
 */
export async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("sweep", args, FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const dataSpec = requireFlag("sweep", "--data", flags.data);
  const gridText = requireFlag("sweep", "--grid", flags.grid);

  const { strategy, ref } = strategyFromFlags("sweep", flags);
  const grid = jsonFlag("--grid", gridText);
  // runSweep plans the grid too, but its errors cannot say which flag was at fault, and
  // planning costs little next to the sweep itself.
  const plan = blame("--grid", () => planSweep(strategy, grid));
  const top = flags.top === undefined ? DEFAULT_TOP : positiveIntegerFlag("--top", flags.top);
  const sort = sortFlag(flags.sort);
  const shard = shardFlag(flags.shard);
  const explicitWorkers =
    flags.workers === undefined ? undefined : positiveIntegerFlag("--workers", flags.workers);
  const options = optionsFromFlags(flags);
  const bars = await loadBars(dataSpec);
  // Checks the data is usable (at least two bars) while a failure can still name --data.
  blame("--data", () => backtestContext(bars));
  // A one-shot process starts its workers cold: small sweeps are faster on one thread.
  const shardCombinations = shard ? shardSize(plan.count, shard.index, shard.count) : plan.count;
  const workers =
    explicitWorkers ?? defaultWorkers(shardCombinations, bars.length, availableParallelism());

  const bar = io.stderrIsTTY ? progressBar(io.stderr) : undefined;
  let outcome: Awaited<ReturnType<typeof runSweep>>;
  try {
    outcome = await runSweep({
      bars,
      // The definition itself, for a --strategy-file: each worker thread compiles it.
      strategy: ref,
      grid,
      options,
      shard,
      top,
      sort,
      workers,
      onProgress: bar && ((done, total) => bar.update(done, total)),
    });
  } finally {
    bar?.clear();
  }
  io.stdout(flags.json ? jsonText(sweepJson(outcome)) : sweepReport(strategy.name, sort, outcome));
  return EXIT.ok;
}

function sortFlag(text: string | undefined): SummaryStat {
  if (text === undefined) return DEFAULT_SORT;
  if (!isSummaryStat(text)) {
    throw new BadInput(`--sort: unknown statistic "${text}"; allowed: ${SUMMARY_STATS.join(", ")}`);
  }
  return text;
}

function shardFlag(text: string | undefined): Shard | undefined {
  return text === undefined ? undefined : blame("--shard", () => parseShard(text));
}

// The help text: commands, flags, the --data forms, and the strategies with their parameters.
import { STRATEGIES } from "../engine/strategies/index.ts";
import type { AnyStrategy } from "../engine/strategy.ts";
import { SUMMARY_STATS } from "../engine/summary.ts";

const LINE_WIDTH = 80;

/** A strategy's parameter names, in the order grids enumerate them. */
export function parameterNames(strategy: AnyStrategy): string[] {
  return Object.keys(strategy.shape.shape);
}

/** The text of `zixly help`. */
export function usage(): string {
  const nameWidth = Math.max(...STRATEGIES.map((s) => s.name.length));
  const strategies = STRATEGIES.map(
    (s) => `  ${s.name.padEnd(nameWidth)}  ${parameterNames(s).join(", ")}`,
  ).join("\n");
  return `zixly: backtest a trading strategy, or sweep a grid of its parameters.

usage:
  zixly backtest --data DATA --strategy NAME --params JSON [options]
  zixly sweep --data DATA --strategy NAME --grid JSON [sweep options] [options]
  zixly submit --url URL --secret whsec_... --request FILE [--token T] [--top N] [--no-wait] [--json]
  zixly help [strategies]

data:
  --data FILE                  a CSV file with a time column (date, time, timestamp,
                               datetime, or an unnamed first column) and open, high,
                               low, close and optionally volume columns
  --data synthetic:BARS:SEED   BARS seeded synthetic daily bars instead of a file,
                               for example synthetic:2500:42

backtest:
  --params JSON      one value per parameter, for example '{"fast":10,"slow":20}'

sweep options:
  --grid JSON        per parameter a number, a list [5,10] or a range
                     {"from":5,"to":50,"step":5}, for example
                     '{"fast":{"from":5,"to":20,"step":5},"slow":[30,50]}'
  --top N            how many of the best rows to print (default 10)
  --sort STAT        statistic to rank by, largest first (default sharpeRatio):
                     ${wrap(SUMMARY_STATS.join(", "), LINE_WIDTH - 21).join(`\n${" ".repeat(21)}`)}
  --shard i/n        only combinations i, i+n, i+2n, ... (0-based), to split a sweep
  --workers N        worker threads (default: the available cores)

options:
  --cash N           starting cash (default 10000)
  --commission X     relative commission per fill, 0.002 = 0.2 % (default 0)
  --mode MODE        long-short (default) or long-only
  --finalize         close a trade still open at the end, at the last bar's open
  --trade-on-close   fill orders at the close of the signal bar, not the next open
  --json             print one JSON object instead of tables

strategies and their parameters ("zixly help strategies" explains each):
${strategies}

submit:
  sends FILE (a BacktestRequest, see examples/) to a webhook URL, signed with the
  source's Standard Webhooks secret, follows the run with a progress bar and prints
  its best rows; --token is the API's bearer token, --no-wait prints the status URL

exit codes: 0 done, 1 internal error or failed run, 2 bad input (the message says which flag)
`;
}

/** The text of `zixly help strategies`: each strategy's rule in one paragraph. */
export function strategiesHelp(): string {
  return STRATEGIES.map((s) => {
    const body = wrap(s.description, LINE_WIDTH - 2).map((line) => `  ${line}`);
    return `${s.name} (${parameterNames(s).join(", ")})\n${body.join("\n")}\n`;
  }).join("\n");
}

/** Greedy word wrap to `width` columns; a word longer than that gets a line of its own. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// The help text: commands, flags, the --data forms, and the strategies with their parameters.
import { STRATEGIES } from "../engine/strategies/index.ts";
import type { AnyStrategy } from "../engine/strategy.ts";
import { SUMMARY_STATS } from "../engine/summary.ts";
import { DEFAULT_API_URL } from "./api-target.ts";

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
  return `zixly: backtest a trading strategy, sweep a grid of its parameters, or follow runs.

usage:
  zixly backtest --data DATA STRATEGY --params JSON [options]
  zixly sweep --data DATA STRATEGY --grid JSON [sweep options] [options]
  zixly submit --url URL --secret whsec_... --request FILE [--strategy-file FILE]
               [--token T] [--top N] [--no-wait] [--json]
  zixly runs [--status S] [--limit N] [--offset N] [api options]
  zixly run ID [api options]
  zixly results ID [--sort STAT] [--order asc|desc] [--limit N] [--offset N] [api options]
  zixly watch ID [--interval MS] [--timeout SECONDS] [api options]
  zixly help [strategies]

data:
  --data FILE                  a CSV file with a time column (date, time, timestamp,
                               datetime, or an unnamed first column) and open, high,
                               low, close and optionally volume columns
  --data synthetic:BARS:SEED   BARS seeded synthetic daily bars instead of a file,
                               for example synthetic:2500:42

strategy (one of):
  --strategy NAME              a built-in strategy, listed below
  --strategy-file FILE         a strategy definition as JSON: indicators, entry and
                               exit rules, size, stops, and parameters for the grid;
                               see docs/strategy-definitions.md and examples/

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
  --workers N        worker threads (default: 1 below 300 M bar-evaluations, combinations
                     x bars, else the available cores)

options:
  --cash N           starting cash (default 10000)
  --commission X     relative commission per fill, 0.002 = 0.2 % (default 0)
  --mode MODE        long-short (default) or long-only
  --finalize         close a trade still open at the end and fill a last-bar order,
                     at the last open (previous close with --trade-on-close)
  --trade-on-close   fill orders at the close of the signal bar, not the next open
  --json             print one JSON object instead of tables

strategies and their parameters ("zixly help strategies" explains each):
${strategies}

submit:
  sends FILE (a BacktestRequest, see examples/) to a webhook URL, signed with the
  source's Standard Webhooks secret, follows the run with a progress bar and prints
  its best rows; --strategy-file puts its definition in the request's strategy,
  --token is the API's bearer token (or ZIXLY_TOKEN), --no-wait prints the status URL

api options (runs, run, results, watch read the runs API):
  --url BASE         the API's base URL (default ZIXLY_URL, else ${DEFAULT_API_URL})
  --token T          the API's bearer token (default ZIXLY_TOKEN)
  --json             print the API's JSON instead of a table

runs:     a page of runs, newest first; --status is one of queued, running,
          succeeded, failed, rejected, cancelled; --limit 1 to 1000 (default 50)
run:      one run: status, progress, times, error and its best combination
results:  a page of a run's combinations ranked by --sort STAT (default sharpeRatio,
          --order desc), any statistic that --sort of sweep takes
watch:    follows a run with a progress bar, polling every --interval MS (default
          1000) for at most --timeout SECONDS (default: no limit), then prints it;
          exit 0 when it succeeded, 1 when it failed, was cancelled or rejected

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

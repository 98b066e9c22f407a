// `zixly run ID`: one run's status, progress, times, error and best combination.
import { apiGet } from "./api-client.ts";
import { RunViewSchema } from "./api-responses.ts";
import { API_FLAGS, apiTarget } from "./api-target.ts";
import { parseWords } from "./args.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { jsonText } from "./json-output.ts";
import { runDetails } from "./run-details.ts";
import { runIdArgument } from "./run-id-argument.ts";
import { usage } from "./usage.ts";

/**
 * Shows a run (GET /runs/:id) as `name  value` lines, or the API's JSON with `--json`.
 * Exit 0 whatever the run's status; 2 when there is no such run or the API refuses.
 * @example runCommand(["run_abcdefghijklmnopqrstuvwxyz", "--json"], io)
 */
export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parseWords("run", args, API_FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const id = runIdArgument("run", positionals);
  const target = apiTarget(flags);
  const run = await apiGet(target, `/runs/${encodeURIComponent(id)}`, RunViewSchema, {
    runId: id,
  });
  io.stdout(flags.json ? jsonText(run) : runDetails(run, Date.now()));
  return EXIT.ok;
}

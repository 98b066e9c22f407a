// `zixly watch ID`: follow a run to its end; the exit code says how it ended.
import { apiGet } from "./api-client.ts";
import { RunViewSchema } from "./api-responses.ts";
import { API_FLAGS, apiTarget } from "./api-target.ts";
import { parseWords } from "./args.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { positiveIntegerFlag } from "./flag-values.ts";
import { followRun } from "./follow-run.ts";
import { jsonText } from "./json-output.ts";
import { runDetails } from "./run-details.ts";
import { runIdArgument } from "./run-id-argument.ts";
import { usage } from "./usage.ts";

const FLAGS = {
  ...API_FLAGS,
  interval: { type: "string" },
  timeout: { type: "string" },
} as const;

/** Poll once a second by default: a run's progress moves in whole shard parts. */
const DEFAULT_INTERVAL_MS = 1000;

/**
 * Polls GET /runs/:id every `--interval MS` until the run is final, with a progress bar on
 * a terminal's stderr (or a line per status change when stderr is a file), then prints the
 * run as `zixly run` does. Exit 0 when it succeeded, 1 when it failed, was cancelled or
 * rejected (the reason on stderr), 2 when `--timeout SECONDS` passed first or the API refuses.
 * @example watchCommand(["run_...", "--interval", "500", "--timeout", "600"], io)
 */
export async function watchCommand(args: string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parseWords("watch", args, FLAGS);
  if (flags.help) {
    io.stdout(usage());
    return EXIT.ok;
  }
  const id = runIdArgument("watch", positionals);
  const intervalMs =
    flags.interval === undefined
      ? DEFAULT_INTERVAL_MS
      : positiveIntegerFlag("--interval", flags.interval);
  const timeoutMs =
    flags.timeout === undefined
      ? undefined
      : positiveIntegerFlag("--timeout", flags.timeout) * 1000;
  const target = apiTarget(flags);
  const path = `/runs/${encodeURIComponent(id)}`;
  const run = await followRun(() => apiGet(target, path, RunViewSchema, { runId: id }), io, {
    intervalMs,
    timeoutMs,
    statusLines: true,
  });
  io.stdout(flags.json ? jsonText(run) : runDetails(run, Date.now()));
  if (run.status === "succeeded") return EXIT.ok;
  // A run that ended badly is not bad input: exit 1, with the reason where scripts look.
  const reason = run.error ?? "no reason given";
  io.stderr(`error: run ${run.runId} ${run.status}: ${reason.replace(/\s*\n\s*/g, " ")}\n`);
  return EXIT.internal;
}

// Polls a run until it leaves queued and running, showing its progress on stderr meanwhile.
import { ACTIVE_STATUSES, type RunView } from "./api-responses.ts";
import { BadInput } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { progressText } from "./format-run.ts";
import { progressBar } from "./progress-bar.ts";

/** How to follow a run. */
export interface FollowOptions {
  /** Pause between two polls. */
  readonly intervalMs: number;
  /** Give up (a BadInput naming --timeout) when the run is still active after this long. */
  readonly timeoutMs?: number;
  /**
   * When stderr is not a terminal, write one line per status change (`run_... running 3/6
   * 50.0%`), so a log shows the run moving; a terminal gets the redrawn bar instead.
   */
  readonly statusLines?: boolean;
}

/**
 * Calls `poll` every `intervalMs` until the run it returns is final, and returns that run.
 * Errors from `poll` end the follow: a flaky network is the caller's to retry.
 * @example const run = await followRun(() => apiGet(target, `/runs/${id}`, RunViewSchema), io,
 *   { intervalMs: 1000 });
 */
export async function followRun(
  poll: () => Promise<RunView>,
  io: CliIo,
  options: FollowOptions,
): Promise<RunView> {
  const bar = io.stderrIsTTY ? progressBar(io.stderr) : undefined;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let lastStatus: string | undefined;
  try {
    for (;;) {
      const run = await poll();
      bar?.update(run.progress.done, run.progress.total);
      if (!bar && options.statusLines && run.status !== lastStatus) {
        io.stderr(`${run.runId} ${run.status} ${progressText(run.progress)}\n`);
      }
      lastStatus = run.status;
      if (!ACTIVE_STATUSES.includes(run.status)) return run;
      if (Date.now() >= deadline) {
        throw new BadInput(
          `--timeout: run ${run.runId} still ${run.status} after ${(options.timeoutMs ?? 0) / 1000} s`,
        );
      }
      const pause = Math.min(options.intervalMs, deadline - Date.now());
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    bar?.clear();
  }
}

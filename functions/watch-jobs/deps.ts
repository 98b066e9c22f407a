// Builds watch-jobs' dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { WatchJobsDeps } from "./handler.ts";

export function watchJobsDeps(ctx: FunctionContext): WatchJobsDeps {
  return {
    store: ctx.adapters.store,
    publisher: ctx.publisher,
    launcher: ctx.launcher,
    log: ctx.log.child({ function: "watch-jobs" }),
    deadlineSeconds: ctx.config.JOB_DEADLINE_SECONDS,
    // Local Jobs run JOB_CONCURRENCY shards at once, over all runs; Indexed Jobs JOB_PARALLELISM.
    parallelism:
      ctx.config.JOB_LAUNCHER === "local" ? ctx.config.JOB_CONCURRENCY : ctx.config.JOB_PARALLELISM,
    graceSeconds: ctx.config.REAPER_GRACE_SECONDS,
  };
}

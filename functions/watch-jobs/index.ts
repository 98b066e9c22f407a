// Runs watch-jobs alone (functions/serve.ts, FUNCTION_TARGET=watch-jobs): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { readinessChecks, standaloneContext } from "../../platform/function-context.ts";
import { watchJobsDeps } from "./deps.ts";
import { registerWatchJobs } from "./register.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "watch-jobs");
const deps = watchJobsDeps(context);
registerWatchJobs(async () => deps);
/** What watch-jobs cannot work without: functions/serve.ts reports them on /readyz. */
export const checks = readinessChecks(context, ["database", "broker"]);

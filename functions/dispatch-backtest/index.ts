// Runs dispatch-backtest alone (functions/serve.ts, FUNCTION_TARGET=dispatch-backtest): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { readinessChecks, standaloneContext } from "../../platform/function-context.ts";
import { dispatchDeps } from "./deps.ts";
import { registerDispatch } from "./register.ts";
import { resumeWhenReady } from "./resume.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "dispatch-backtest");
const deps = dispatchDeps(context);
registerDispatch(async () => deps);
// Local Jobs died with the last container: launch their unfinished shards again once the
// database answers (docs/decisions/0020-durable-acceptance.md). Kubernetes Jobs outlive us.
if (config.JOB_LAUNCHER === "local") void resumeWhenReady(deps);
/** What dispatch-backtest cannot work without: functions/serve.ts reports them on /readyz. */
export const checks = readinessChecks(context, ["database", "broker"]);

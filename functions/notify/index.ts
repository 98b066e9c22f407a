// Runs notify alone (functions/serve.ts, FUNCTION_TARGET=notify): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { readinessChecks, standaloneContext } from "../../platform/function-context.ts";
import { notifyDeps } from "./deps.ts";
import { registerNotify } from "./register.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "notify");
const deps = notifyDeps(context);
registerNotify(async () => deps);
/** What notify cannot work without: functions/serve.ts reports them on /readyz. */
export const checks = readinessChecks(context, ["database"]);

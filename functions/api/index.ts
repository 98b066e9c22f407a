// Runs api alone (functions/serve.ts, FUNCTION_TARGET=api): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { readinessChecks, standaloneContext } from "../../platform/function-context.ts";
import { apiDeps } from "./deps.ts";
import { registerApi } from "./register.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "api");
const deps = apiDeps(context);
registerApi(async () => deps);
/** What api cannot work without: functions/serve.ts reports them on /readyz. */
export const checks = readinessChecks(context, ["database"]);

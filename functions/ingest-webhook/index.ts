// Runs ingest-webhook alone (functions/serve.ts, FUNCTION_TARGET=ingest-webhook): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { readinessChecks, standaloneContext } from "../../platform/function-context.ts";
import { ingestDeps } from "./deps.ts";
import { registerIngestWebhook } from "./register.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "ingest-webhook");
const built = ingestDeps(context);
/** The function's dependencies; functions/serve.ts serves webhooks with them. */
export const deps = async () => built;
registerIngestWebhook(deps);
/** What ingest-webhook cannot work without: functions/serve.ts reports them on /readyz. */
export const checks = readinessChecks(context, ["redis", "broker"]);

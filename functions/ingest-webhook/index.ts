// Runs ingest-webhook alone (functions-framework --target=ingest-webhook): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { ingestDeps } from "./deps.ts";
import { registerIngestWebhook } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "ingest-webhook"));
/** The function's dependencies, built once; functions/serve.ts serves webhooks with them. */
export const deps = once(async () => ingestDeps(await context()));
registerIngestWebhook(deps);

// Runs notify alone (functions-framework --target=notify): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { notifyDeps } from "./deps.ts";
import { registerNotify } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "notify"));
registerNotify(async () => notifyDeps(await context()));

// Runs api alone (functions-framework --target=api): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { apiDeps } from "./deps.ts";
import { registerApi } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "api"));
registerApi(async () => apiDeps(await context()));

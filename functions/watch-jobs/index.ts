// Runs watch-jobs alone (functions-framework --target=watch-jobs): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { watchJobsDeps } from "./deps.ts";
import { registerWatchJobs } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "watch-jobs"));
registerWatchJobs(async () => watchJobsDeps(await context()));

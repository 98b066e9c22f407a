// Runs record-result alone (functions-framework --target=record-result): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { recordDeps } from "./deps.ts";
import { registerRecordResult } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "record-result"));
registerRecordResult(async () => recordDeps(await context()));

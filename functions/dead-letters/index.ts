// Runs dead-letters alone (functions-framework --target=dead-letters): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { deadLettersDeps } from "./deps.ts";
import { registerDeadLetters } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "dead-letters"));
registerDeadLetters(async () => deadLettersDeps(await context()));

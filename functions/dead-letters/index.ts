// Runs dead-letters alone (functions/serve.ts, FUNCTION_TARGET=dead-letters): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { standaloneContext } from "../../platform/function-context.ts";
import { deadLettersDeps, deadLettersReadiness } from "./deps.ts";
import { registerDeadLetters } from "./register.ts";

// Built here, at start: bad configuration stops the process before it serves anything, and
// the first request finds its dependencies wired (docs/decisions/0022-readiness.md).
const config = loadConfig();
/** The function's context; functions/serve.ts closes its adapters on SIGTERM. */
export const context = await standaloneContext(config, "dead-letters");
const deps = deadLettersDeps(context);
registerDeadLetters(async () => deps);
/**
 * What dead-letters cannot work without: functions/serve.ts reports them on /readyz. With a
 * journal, the database or Redis: a database outage must not make the pod unready.
 */
export const checks = deadLettersReadiness(context);

// Builds the api's dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { ApiDeps } from "./handler.ts";

export function apiDeps(ctx: FunctionContext): ApiDeps {
  return {
    store: ctx.adapters.store,
    progress: ctx.adapters.progress,
    launcher: ctx.launcher,
    publisher: ctx.publisher,
    log: ctx.log.child({ function: "api" }),
    apiToken: ctx.config.API_TOKEN,
  };
}

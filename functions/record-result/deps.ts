// Builds record-result's dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { RecordDeps } from "./handler.ts";
import { RunShapes } from "./run-shapes.ts";

export function recordDeps(ctx: FunctionContext): RecordDeps {
  return {
    store: ctx.adapters.store,
    progress: ctx.adapters.progress,
    publisher: ctx.publisher,
    launcher: ctx.launcher,
    log: ctx.log.child({ function: "record-result" }),
    shapes: new RunShapes(),
  };
}

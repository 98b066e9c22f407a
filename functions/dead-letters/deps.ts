// Builds dead-letters' dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { DeadLettersDeps } from "./handler.ts";

export function deadLettersDeps(ctx: FunctionContext): DeadLettersDeps {
  return { store: ctx.adapters.store, log: ctx.log.child({ function: "dead-letters" }) };
}

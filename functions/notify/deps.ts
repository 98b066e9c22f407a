// Builds notify's dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { NotifyDeps } from "./handler.ts";

export function notifyDeps(ctx: FunctionContext): NotifyDeps {
  return {
    store: ctx.adapters.store,
    signer: ctx.signer,
    log: ctx.log.child({ function: "notify" }),
    timeoutMs: 10_000,
    allowInsecure: ctx.config.ALLOW_INSECURE_URLS,
    publicUrl: ctx.publicUrl,
  };
}

// Builds dispatch-backtest's dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import type { DispatchDeps } from "./handler.ts";

export function dispatchDeps(ctx: FunctionContext): DispatchDeps {
  return {
    store: ctx.adapters.store,
    launcher: ctx.launcher,
    publisher: ctx.publisher,
    log: ctx.log.child({ function: "dispatch-backtest" }),
    sharding: {
      combinationsPerShard: ctx.config.COMBINATIONS_PER_SHARD,
      maxShards: ctx.config.MAX_SHARDS,
    },
    maxCombinations: ctx.config.MAX_COMBINATIONS,
  };
}

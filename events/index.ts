// The event contract: request schema, event types and their data, the Knative source events we
// consume, CloudEvent helpers, publisher.
export * from "./apiserver-source.ts";
export * from "./backtest-completed.ts";
export * from "./backtest-failed.ts";
export * from "./backtest-request.ts";
export * from "./backtest-requested.ts";
export * from "./cloud-event.ts";
export * from "./common.ts";
export * from "./grid.ts";
export * from "./ping-source.ts";
export * from "./publisher.ts";
export * from "./registry.ts";
export * from "./run-id.ts";
export * from "./shard-completed.ts";
export * from "./shard-failed.ts";
export * from "./shard-progress.ts";
export * from "./strategy-ref.ts";
export * from "./summary-stats.ts";

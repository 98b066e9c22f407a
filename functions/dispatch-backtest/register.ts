// Registers dispatch-backtest with functions-framework, given a way to get its dependencies.
import { registerEventFunction } from "../../platform/register-event-function.ts";
import { type DispatchDeps, handleRequested } from "./handler.ts";

/** The function's name: its `--target` and its Knative Service. */
export const DISPATCH_BACKTEST = "dispatch-backtest";

export function registerDispatch(deps: () => Promise<DispatchDeps>): void {
  registerEventFunction(DISPATCH_BACKTEST, handleRequested, deps);
}

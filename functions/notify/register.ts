// Registers notify with functions-framework, given a way to get its dependencies.
import { registerEventFunction } from "../../platform/register-event-function.ts";
import { handleFinalEvent, type NotifyDeps } from "./handler.ts";

/** The function's name: its `--target` and its Knative Service. */
export const NOTIFY = "notify";

export function registerNotify(deps: () => Promise<NotifyDeps>): void {
  registerEventFunction(NOTIFY, handleFinalEvent, deps);
}

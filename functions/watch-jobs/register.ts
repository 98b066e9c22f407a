// Registers watch-jobs with functions-framework, given a way to get its dependencies.
import { registerEventFunction } from "../../platform/register-event-function.ts";
import { handleWatchEvent, type WatchJobsDeps } from "./handler.ts";

/** The function's name: its `--target` and its Knative Service. */
export const WATCH_JOBS = "watch-jobs";

export function registerWatchJobs(deps: () => Promise<WatchJobsDeps>): void {
  registerEventFunction(WATCH_JOBS, handleWatchEvent, deps);
}

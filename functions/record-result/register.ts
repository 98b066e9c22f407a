// Registers record-result with functions-framework, given a way to get its dependencies.
import { registerEventFunction } from "../../platform/register-event-function.ts";
import { handleShardEvent, type RecordDeps } from "./handler.ts";

/** The function's name: its `--target` and its Knative Service. */
export const RECORD_RESULT = "record-result";

export function registerRecordResult(deps: () => Promise<RecordDeps>): void {
  registerEventFunction(RECORD_RESULT, handleShardEvent, deps);
}

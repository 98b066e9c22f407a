// Registers dead-letters with functions-framework, given a way to get its dependencies.
import { registerEventFunction } from "../../platform/register-event-function.ts";
import { type DeadLettersDeps, handleDeadLetter } from "./handler.ts";

/** The function's name: its `--target` and the Service the Broker's deadLetterSink names. */
export const DEAD_LETTERS = "dead-letters";

export function registerDeadLetters(deps: () => Promise<DeadLettersDeps>): void {
  registerEventFunction(DEAD_LETTERS, handleDeadLetter, deps);
}

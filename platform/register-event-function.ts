// Registers a CloudEvent function with functions-framework: a throw answers 500, so the broker redelivers.
import * as functions from "@google-cloud/functions-framework";
import type { CloudEventV1 } from "cloudevents";

/**
 * Registers `handle` under `name`. Dependencies are resolved per event (memoise them);
 * handlers acknowledge what redelivery cannot fix and throw only for transient faults.
 */
export function registerEventFunction<D>(
  name: string,
  handle: (event: CloudEventV1<unknown>, deps: D) => Promise<unknown>,
  deps: () => Promise<D>,
): void {
  functions.cloudEvent(name, async (event: CloudEventV1<unknown>) => {
    await handle(event, await deps());
  });
}

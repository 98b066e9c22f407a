// Registers a CloudEvent function with functions-framework: a throw answers 500, so the broker redelivers.
import * as functions from "@google-cloud/functions-framework";
import type { CloudEventV1 } from "cloudevents";
import { instrumentEventHandler } from "./metrics/instrument-event-handler.ts";
import { inEventSpan } from "./tracing.ts";

/**
 * Registers `handle` under `name`. Dependencies are resolved per event (memoise them);
 * handlers acknowledge what redelivery cannot fix and throw only for transient faults.
 * Every event is counted and timed under the function's name (platform/metrics), and runs
 * in a span parented on its traceparent when tracing is on (platform/tracing.ts).
 */
export function registerEventFunction<D>(
  name: string,
  handle: (event: CloudEventV1<unknown>, deps: D) => Promise<unknown>,
  deps: () => Promise<D>,
): void {
  functions.cloudEvent(
    name,
    instrumentEventHandler(name, (event: CloudEventV1<unknown>) =>
      inEventSpan(name, event, async () => handle(event, await deps())),
    ),
  );
}

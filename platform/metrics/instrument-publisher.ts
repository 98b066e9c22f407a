// A Publisher that counts what it publishes, wrapped around any other (conventions point 8).
import type { CloudEvent } from "cloudevents";
import type { Publisher } from "../../events/publisher.ts";
import { recordPublished } from "./metrics.ts";

/**
 * Counts each publish in `zixly_events_published_total` by type and outcome, and otherwise
 * behaves exactly as `publisher`: same resolution, same error.
 *
 * @example const publisher = instrumentPublisher(new HttpPublisher(config.K_SINK));
 */
export function instrumentPublisher(publisher: Publisher): Publisher {
  return {
    async publish(event: CloudEvent<unknown>): Promise<void> {
      try {
        await publisher.publish(event);
      } catch (error) {
        recordPublished(event.type, "error");
        throw error;
      }
      recordPublished(event.type, "ok");
    },
  };
}

// A Publisher that keeps what it was given and can play a broker that is down.
import type { CloudEvent } from "cloudevents";
import { PublishError, type Publisher } from "../../events/index.ts";

/** Records published events; set `down` to make every publish fail as an unreachable broker. */
export class RecordingPublisher implements Publisher {
  readonly events: CloudEvent<unknown>[] = [];
  down = false;

  async publish(event: CloudEvent<unknown>): Promise<void> {
    if (this.down) throw new PublishError("broker down (test)", 503);
    this.events.push(event);
  }
}

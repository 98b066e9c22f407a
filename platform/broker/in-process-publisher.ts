// A Publisher into the embedded broker that sends each event through its wire form first.
import type { CloudEvent } from "cloudevents";
import { fromHttp, toBinaryHttp } from "../../events/cloud-event.ts";
import { PublishError, type Publisher } from "../../events/publisher.ts";
import type { EmbeddedBroker } from "./embedded-broker.ts";

/**
 * Serializes each event to binary HTTP and parses it back before handing it to the broker,
 * so an in-process event is exactly what would cross the wire to K_SINK: extensions,
 * data and all. An event the ingress would refuse is refused here with status 400.
 */
export class InProcessPublisher implements Publisher {
  private readonly broker: Pick<EmbeddedBroker, "publish">;

  constructor(broker: Pick<EmbeddedBroker, "publish">) {
    this.broker = broker;
  }

  async publish(event: CloudEvent<unknown>): Promise<void> {
    const { headers, body } = toBinaryHttp(event);
    let wire: ReturnType<typeof fromHttp>;
    try {
      wire = fromHttp(headers, body);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new PublishError(`broker refused the event: ${message}`, 400, { cause: error });
    }
    try {
      await this.broker.publish(wire);
    } catch (error) {
      if (error instanceof PublishError) throw error;
      throw new PublishError(`broker failed: ${String(error)}`, 503, { cause: error });
    }
  }
}

// Builds an EmbeddedBroker for tests: Triggers from [type, subscriber] pairs, recorded sleeps and letters.
import type { DeadLetter } from "../../ports.ts";
import { EmbeddedBroker, type EmbeddedBrokerOptions, type Subscriber } from "../embedded-broker.ts";
import type { DeliverySpec, TriggerDefinition } from "../trigger-definitions.ts";
import { quietLog, recordingSleep } from "./fixtures.ts";

export const FAILED = "com.zixly.backtest.failed.v1";
export const PROGRESS = "com.zixly.backtest.shard.progress.v1";
export const RETRY_3: DeliverySpec = {
  retry: 3,
  backoffPolicy: "exponential",
  backoffDelayMs: 200,
  deadLetterSink: "dlq",
};

/** One Trigger per [type, subscriber], a recording sleep and a recording dead-letter sink. */
export function setup(
  routes: [string, string][],
  subscribers: Record<string, Subscriber>,
  options: Partial<EmbeddedBrokerOptions> = {},
) {
  const triggers: TriggerDefinition[] = routes.map(([type, subscriber], i) => ({
    name: `t${i}`,
    type,
    subscriber,
  }));
  const letters: DeadLetter[] = [];
  const { delays, sleep } = recordingSleep();
  const log = quietLog();
  const broker = new EmbeddedBroker({
    triggers,
    delivery: RETRY_3,
    subscribers,
    deadLetter: async (letter) => void letters.push(letter),
    sleep,
    log,
    ...options,
  });
  return { broker, letters, delays, log };
}

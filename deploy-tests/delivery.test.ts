// Delivery in knative/base rides out a 10-minute database outage before anything is dead-lettered.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { backoffMs } from "../platform/broker/delivery-rules.ts";
import {
  type DeliverySpec,
  loadBrokerDeliveryFile,
  loadTriggersFile,
  type TriggerDefinition,
} from "../platform/broker/trigger-definitions.ts";
import { repoPath } from "./render.ts";

/** The database outage every retried event must outlast (docs/decisions/0021). */
const OUTAGE_MS = 10 * 60_000;
/** The longest wait between two tries: how long an event may lag behind a recovered database. */
const MAX_WAIT_MS = 2 * 60_000;
/**
 * Triggers that give up soon: the next progress event supersedes a lost one, so they retry
 * once, quickly, and do not wait out an outage.
 */
const BEST_EFFORT = ["record-result-shard-progress"];

/** The sum of the waits between the tries of `delivery`, as the broker computes each. */
function totalBackoffMs(delivery: DeliverySpec): number {
  let total = 0;
  for (let n = 0; n < delivery.retry; n++) total += backoffMs(delivery, n);
  return total;
}

/**
 * Each Trigger with the delivery that applies to it on the MT channel broker (and the embedded
 * one): its own, which replaces the Broker's whole.
 */
async function effectiveDeliveries(): Promise<[TriggerDefinition, DeliverySpec][]> {
  const [triggers, broker] = await Promise.all([loadTriggersFile(), loadBrokerDeliveryFile()]);
  return triggers.map((t) => [t, t.delivery ?? broker]);
}

/**
 * The delivery the Kafka broker class applies: field by field, a Trigger's field that is
 * absent or zero takes the Broker's (eventing-kafka-broker's egress config merge), so
 * `retry: 0` means "the Broker's 13".
 */
function kafkaDelivery(trigger: DeliverySpec | undefined, broker: DeliverySpec): DeliverySpec {
  if (!trigger) return broker;
  const out: Record<string, unknown> = { ...broker };
  for (const [key, value] of Object.entries(trigger)) {
    if (value !== undefined && value !== 0 && value !== "") out[key] = value;
  }
  return out as unknown as DeliverySpec;
}

describe("delivery in knative/base (also the embedded and compose broker's)", () => {
  it("waits at least 10 minutes in all before it dead-letters any Trigger that retries", async () => {
    const retrying = (await effectiveDeliveries()).filter(
      ([t, d]) => d.retry > 0 && !BEST_EFFORT.includes(t.name),
    );
    expect(retrying.length).toBeGreaterThan(0);
    for (const [t, d] of retrying) {
      expect(totalBackoffMs(d), `${t.name}: total backoff`).toBeGreaterThanOrEqual(OUTAGE_MS);
    }
  });

  it("waits at most 2 minutes between two tries, so events move soon after the database is back", async () => {
    for (const [t, d] of await effectiveDeliveries()) {
      const waits = Array.from({ length: d.retry }, (_, n) => backoffMs(d, n));
      expect(Math.max(0, ...waits), `${t.name}: longest wait`).toBeLessThanOrEqual(MAX_WAIT_MS);
    }
  });

  it("retries every Trigger, the best-effort ones once and within a minute, then dead-letters", async () => {
    for (const [t, d] of await effectiveDeliveries()) {
      expect(d.retry, t.name).toBeGreaterThan(0);
      expect(d.deadLetterSink, t.name).toBe("dead-letters");
      if (BEST_EFFORT.includes(t.name)) {
        expect(d.retry, t.name).toBe(1);
        expect(totalBackoffMs(d) + (d.retry + 1) * (d.timeoutMs ?? 0), t.name).toBeLessThan(60_000);
      }
    }
  });

  it("regression: delivers every Trigger alike on the MT channel broker and the Kafka broker", async () => {
    // `retry: 0` on the progress Trigger meant no retry on the MT broker (a Trigger's delivery
    // replaces the Broker's) but 13 retries and the dead-letter sink on the Kafka broker (a
    // zero field takes the Broker's). A Trigger's own delivery must set every field, none zero.
    const [triggers, broker] = await Promise.all([loadTriggersFile(), loadBrokerDeliveryFile()]);
    for (const t of triggers) {
      expect(kafkaDelivery(t.delivery, broker), t.name).toEqual(t.delivery ?? broker);
    }
    const before = { retry: 0, backoffPolicy: "exponential", backoffDelayMs: 0 } as DeliverySpec;
    expect(kafkaDelivery(before, broker)).not.toEqual(before);
  });

  it("cuts a try off only after the subscribers' own database limits, and within Knative's request timeout", async () => {
    const broker = await loadBrokerDeliveryFile();
    // platform/postgres/database.ts: 5 s to connect, then 30 s per statement. A try cut off
    // sooner would be retried while the first one may still be writing.
    expect(broker.timeoutMs).toBeGreaterThan(35_000);
    // Knative Serving ends a request after the revision's timeoutSeconds (300 s by default).
    expect(broker.timeoutMs).toBeLessThanOrEqual(300_000);
  });

  it.each(["docs/kubernetes.md", "knative/README.md"])(
    "states the Broker's figures in %s as the files set them",
    async (file) => {
      const broker = await loadBrokerDeliveryFile();
      const doc = readFileSync(repoPath(file), "utf8").replace(/\s+/g, " ");
      const seconds = (ms: number) => `${(ms / 1000).toLocaleString("en-US")} s`;
      expect(doc).toContain(`${broker.retry} retries`);
      // Only the guide counts the first try too.
      if (file === "docs/kubernetes.md") expect(doc).toContain(`${broker.retry + 1} tries`);
      expect(doc).toContain(`${broker.backoffPolicy} by ${seconds(broker.backoffDelayMs)}`);
      expect(doc).toContain(`${seconds(totalBackoffMs(broker))} of backoff`);
      expect(doc).toContain(`${seconds(broker.timeoutMs ?? 0)} per try`);
    },
  );
});

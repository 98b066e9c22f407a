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
/** Triggers allowed to drop a failed event: the next progress event supersedes a lost one. */
const BEST_EFFORT = ["record-result-shard-progress"];

/** The sum of the waits between the tries of `delivery`, as the broker computes each. */
function totalBackoffMs(delivery: DeliverySpec): number {
  let total = 0;
  for (let n = 0; n < delivery.retry; n++) total += backoffMs(delivery, n);
  return total;
}

/** Each Trigger with the delivery that applies to it: its own, which replaces the Broker's whole. */
async function effectiveDeliveries(): Promise<[TriggerDefinition, DeliverySpec][]> {
  const [triggers, broker] = await Promise.all([loadTriggersFile(), loadBrokerDeliveryFile()]);
  return triggers.map((t) => [t, t.delivery ?? broker]);
}

describe("delivery in knative/base (also the embedded and compose broker's)", () => {
  it("waits at least 10 minutes in all before it dead-letters any Trigger that retries", async () => {
    const retrying = (await effectiveDeliveries()).filter(([, d]) => d.retry > 0);
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

  it("retries every Trigger but the best-effort ones, which drop what fails", async () => {
    for (const [t, d] of await effectiveDeliveries()) {
      if (BEST_EFFORT.includes(t.name)) {
        expect(d.retry, t.name).toBe(0);
        expect(d.deadLetterSink, t.name).toBeUndefined();
      } else {
        expect(d.retry, t.name).toBeGreaterThan(0);
        expect(d.deadLetterSink, t.name).toBe("dead-letters");
      }
    }
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

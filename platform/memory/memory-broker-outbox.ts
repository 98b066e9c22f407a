// BrokerOutbox in memory: for tests and brokers that need no durability; lost with the process.
import type { BrokerOutbox, OutboxDelivery } from "../ports.ts";

/**
 * The outbox as a map, with the Postgres adapter's rules: one pending delivery per
 * (Trigger, event source, event id), oldest first. Events are copied in and out, as a
 * database would, so that nobody shares a mutable object with the broker.
 */
export class MemoryBrokerOutbox implements BrokerOutbox {
  readonly #rows = new Map<
    number,
    { trigger: string; key: string; text: string; attempts: number }
  >();
  readonly #keys = new Set<string>();
  #next = 1;

  async append(
    event: Record<string, unknown>,
    triggers: readonly string[],
  ): Promise<OutboxDelivery[]> {
    const text = JSON.stringify(event);
    const stored: OutboxDelivery[] = [];
    for (const trigger of triggers) {
      const key = JSON.stringify([trigger, event.source, event.id]);
      if (this.#keys.has(key)) continue;
      const id = this.#next++;
      this.#keys.add(key);
      this.#rows.set(id, { trigger, key, text, attempts: 0 });
      stored.push({ id, trigger, event: JSON.parse(text), attempts: 0 });
    }
    return stored;
  }

  async pending(limit: number, afterId = 0): Promise<OutboxDelivery[]> {
    // Ids only grow and the map keeps insertion order, so this is oldest first.
    const after = [...this.#rows.entries()].filter(([id]) => id > afterId);
    return after.slice(0, limit).map(([id, r]) => ({
      id,
      trigger: r.trigger,
      event: JSON.parse(r.text) as Record<string, unknown>,
      attempts: r.attempts,
    }));
  }

  async recordAttempt(id: number, attempts: number): Promise<void> {
    const row = this.#rows.get(id);
    if (row) row.attempts = attempts;
  }

  async complete(id: number): Promise<void> {
    const row = this.#rows.get(id);
    if (!row) return;
    this.#rows.delete(id);
    this.#keys.delete(row.key);
  }
}

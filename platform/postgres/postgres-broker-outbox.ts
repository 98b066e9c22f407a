// BrokerOutbox in Postgres or PGlite: the embedded broker's pending deliveries, one row each.
import type { Kysely } from "kysely";
import type { BrokerOutbox, OutboxDelivery } from "../ports.ts";
import type { Database } from "./schema.ts";

/**
 * The outbox in the run store's database (table `broker_outbox`, migration 0003), so that a
 * 202 is as durable as the runs themselves. Each statement is one round trip; an append of
 * several Triggers is one INSERT, so it is stored whole or not at all.
 *
 * @example
 * const outbox = new PostgresBrokerOutbox(db);
 * const stored = await outbox.append(event.toJSON(), ["dispatch-backtest-requested"]);
 */
export class PostgresBrokerOutbox implements BrokerOutbox {
  constructor(private readonly db: Kysely<Database>) {}

  async append(
    event: Record<string, unknown>,
    triggers: readonly string[],
  ): Promise<OutboxDelivery[]> {
    if (triggers.length === 0) return [];
    // JSON.stringify escapes U+0000 and lone surrogates, so the text is always storable.
    const text = JSON.stringify(event);
    const rows = await this.db
      .insertInto("broker_outbox")
      .values(
        triggers.map((trigger) => ({
          trigger,
          event_source: String(event.source),
          event_id: String(event.id),
          event: text,
        })),
      )
      .onConflict((oc) => oc.columns(["trigger", "event_source", "event_id"]).doNothing())
      .returning(["id", "trigger"])
      .execute();
    return rows.map((r) => ({ id: Number(r.id), trigger: r.trigger, event, attempts: 0 }));
  }

  async pending(limit: number, afterId = 0): Promise<OutboxDelivery[]> {
    const rows = await this.db
      .selectFrom("broker_outbox")
      .select(["id", "trigger", "event", "attempts"])
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      trigger: r.trigger,
      event: JSON.parse(r.event) as Record<string, unknown>,
      attempts: r.attempts,
    }));
  }

  async recordAttempt(id: number, attempts: number): Promise<void> {
    await this.db.updateTable("broker_outbox").set({ attempts }).where("id", "=", id).execute();
  }

  async complete(id: number): Promise<void> {
    await this.db.deleteFrom("broker_outbox").where("id", "=", id).execute();
  }
}

// An in-process Knative Broker: routes by the deployed Triggers, retries and dead-letters alike, and keeps every delivery in a durable outbox.
import { setTimeout as delay } from "node:timers/promises";
import type { CloudEvent, CloudEventV1 } from "cloudevents";
import { checkEvent, type ZixlyEvent } from "../../events/cloud-event.ts";
import { PublishError } from "../../events/publisher.ts";
import { createLogger, type Logger } from "../log.ts";
import { MemoryBrokerOutbox } from "../memory/memory-broker-outbox.ts";
import { recordBrokerDelivery, recordDeadLetter } from "../metrics/metrics.ts";
import type { BrokerOutbox, DeadLetter, OutboxDelivery } from "../ports.ts";
import { type AttemptResult, attemptDelivery, type Subscriber } from "./delivery-attempt.ts";
import { backoffMs, deadLetterOf, verdictFor } from "./delivery-rules.ts";
import { type EventSpool, UnusableSpooledEvent } from "./event-spool.ts";
import type { DeliverySpec, TriggerDefinition } from "./trigger-definitions.ts";

export type { DeliveryOutcome, Subscriber } from "./delivery-attempt.ts";

export interface EmbeddedBrokerOptions {
  readonly triggers: readonly TriggerDefinition[];
  /** The Broker's delivery defaults, for the Triggers that set none. */
  readonly delivery: DeliverySpec;
  /** Subscribers by Service name, as the Triggers' `subscriber.ref.name` names them. */
  readonly subscribers: Readonly<Record<string, Subscriber>>;
  /** The dead-letter sink, for finally failed deliveries whose DeliverySpec names one. */
  readonly deadLetter?: (letter: DeadLetter) => Promise<void>;
  readonly log?: Logger;
  /** Waits `ms`, rejecting when `signal` aborts; tests inject one that records the delays. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Tries running at once per subscriber; the others wait in FIFO order. Default 16. */
  readonly concurrency?: number;
  /** The Broker's name, for logs and errors. Default `default`. */
  readonly name?: string;
  /**
   * Where every delivery is kept until it ends: the run store's database in a stack, so a
   * restart redelivers (call {@link EmbeddedBroker.recover}). Default: in memory, lost with
   * the process, like Knative's in-memory channel.
   */
  readonly outbox?: BrokerOutbox;
  /**
   * Where accepted events wait while the outbox cannot be written (the database is down);
   * they move into the outbox when it answers again. Unset, such a publish fails with 503.
   */
  readonly spool?: EventSpool;
  /** How often to retry what waits for the outbox (the spool, unrecorded ends). Default 1 s. */
  readonly outboxRetryMs?: number;
}

/** Counters since construction, plus what is in progress now. */
export interface BrokerStats {
  /** Events accepted, published or replied. */
  readonly accepted: number;
  /** Accepted events that no Trigger matched: dropped, as Knative does. */
  readonly unrouted: number;
  /** Deliveries acknowledged with a 2xx. */
  readonly delivered: number;
  /** Retries scheduled. */
  readonly retried: number;
  readonly deadLettered: number;
  /** Finally failed deliveries without a dead-letter sink. */
  readonly dropped: number;
  /** Events accepted into the spool because the outbox could not be written. */
  readonly spooled: number;
  /** Deliveries left in the outbox by close(), for the next start to redeliver. */
  readonly left: number;
  /** Subscriber calls running now. */
  readonly inFlight: number;
  /** Deliveries queued behind the concurrency cap or backing off. */
  readonly waiting: number;
}

interface Delivery {
  /** The outbox's id of this delivery. */
  readonly id: number;
  readonly event: ZixlyEvent;
  readonly trigger: TriggerDefinition;
  readonly delivery: DeliverySpec;
  tries: number;
}

interface Lane {
  active: number;
  scheduled: boolean;
  readonly queue: Delivery[];
}

/**
 * Routes each published event to every Trigger whose `type` filter matches, with Knative's
 * delivery rules (see delivery-rules.ts). `publish` resolves once one delivery per matching
 * Trigger is stored in the outbox (or, with the outbox down, the event in the spool); the
 * deliveries run later, and each is removed from the outbox only when it ended. Retries wait
 * in memory and their count is kept in the outbox, so after a restart {@link recover} takes
 * every pending delivery up where it was. At-least-once: a delivery whose end could not be
 * recorded is delivered again, and subscribers dedupe.
 * @example
 * const broker = new EmbeddedBroker({ triggers, delivery, subscribers: { notify }, outbox });
 * await broker.recover();
 * await broker.publish(event);
 * await broker.drain(5_000);
 */
export class EmbeddedBroker {
  readonly name: string;
  private readonly triggers: readonly TriggerDefinition[];
  private readonly byName: ReadonlyMap<string, TriggerDefinition>;
  private readonly delivery: DeliverySpec;
  private readonly subscribers: Readonly<Record<string, Subscriber>>;
  private readonly deadLetter: ((letter: DeadLetter) => Promise<void>) | undefined;
  private readonly log: Logger;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly concurrency: number;
  private readonly outbox: BrokerOutbox;
  private readonly spool: EventSpool | undefined;
  private readonly outboxRetryMs: number;
  private readonly lanes = new Map<string, Lane>();
  private readonly stopping = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  /** Ended deliveries whose removal from the outbox failed; retried on a timer. */
  private readonly unrecorded = new Set<number>();
  /** Deliveries waiting in memory (queued or backing off), to count what close() leaves. */
  private readonly held = new Set<Delivery>();
  private outboxTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private pending = 0;
  private inFlight = 0;
  private counts = {
    accepted: 0,
    unrouted: 0,
    delivered: 0,
    retried: 0,
    deadLettered: 0,
    dropped: 0,
    spooled: 0,
    left: 0,
  };

  constructor(options: EmbeddedBrokerOptions) {
    this.name = options.name ?? "default";
    this.triggers = options.triggers;
    this.byName = new Map(this.triggers.map((t) => [t.name, t]));
    this.delivery = options.delivery;
    this.subscribers = options.subscribers;
    this.deadLetter = options.deadLetter;
    this.log = options.log ?? createLogger("broker", { broker: this.name });
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.concurrency = options.concurrency ?? 16;
    this.outbox = options.outbox ?? new MemoryBrokerOutbox();
    this.spool = options.spool;
    this.outboxRetryMs = options.outboxRetryMs ?? 1_000;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`broker ${this.name}: concurrency must be a positive integer`);
    }
    const known = Object.keys(this.subscribers);
    for (const t of this.triggers) {
      if (!Object.hasOwn(this.subscribers, t.subscriber)) {
        throw new Error(
          `trigger ${t.name} subscribes "${t.subscriber}", which is not a subscriber (${known.join(", ") || "none"})`,
        );
      }
      if (!this.lanes.has(t.subscriber))
        this.lanes.set(t.subscriber, { active: 0, scheduled: false, queue: [] });
      const sink = (t.delivery ?? this.delivery).deadLetterSink;
      if (sink !== undefined && !this.deadLetter) {
        this.log.warn("dead-letter sink named but not wired: failed events will be dropped", {
          trigger: t.name,
          sink,
        });
      }
    }
  }

  /**
   * Accepts `event`: stores a delivery per matching Trigger in the outbox, or the event in
   * the spool when the outbox fails. Rejects with 503 once closed, or when neither could
   * store it; then nothing was accepted.
   */
  async publish(event: ZixlyEvent): Promise<void> {
    if (this.closed) throw new PublishError(`broker ${this.name} is closed`, 503);
    try {
      await this.store(event);
    } catch (error) {
      if (!this.spool) {
        throw new PublishError(
          `broker ${this.name} could not store the event: ${String(error)}`,
          503,
          {
            cause: error,
          },
        );
      }
      try {
        await this.spool.write(event.toJSON() as Record<string, unknown>);
      } catch (spoolError) {
        throw new PublishError(
          `broker ${this.name} could not store the event: ${String(error)}; spool: ${String(spoolError)}`,
          503,
          { cause: spoolError },
        );
      }
      this.counts.spooled++;
      this.log.warn("outbox unavailable: event spooled until it returns", {
        eventId: event.id,
        eventType: event.type,
        error: String(error),
      });
      this.armOutboxTimer();
    }
  }

  /**
   * Takes up every delivery a previous process left in the outbox (with its failed tries
   * counted) and moves spooled events into the outbox. Call once, before publishing.
   * Resolves with the number of deliveries taken up.
   */
  async recover(batch = 1_000): Promise<number> {
    let taken = 0;
    // Keyset pages: deliveries taken up may end (and leave the table) while later pages load.
    for (let afterId = 0; ; ) {
      const rows = await this.outbox.pending(batch, afterId);
      for (const row of rows) {
        afterId = row.id;
        const trigger = this.byName.get(row.trigger);
        const event = trigger && this.readStored(row);
        if (!trigger || !event) {
          if (!trigger)
            this.log.warn("stored delivery for a Trigger that no longer exists: dropped", {
              trigger: row.trigger,
            });
          await this.outbox.complete(row.id);
          continue;
        }
        this.counts.accepted++;
        this.enqueue({
          id: row.id,
          event,
          trigger,
          delivery: trigger.delivery ?? this.delivery,
          tries: row.attempts,
        });
        taken++;
      }
      if (rows.length < batch) break;
    }
    if (taken > 0) this.log.info("deliveries taken up from the outbox", { deliveries: taken });
    if (this.spool && this.spool.size() > 0) this.armOutboxTimer(0);
    return taken;
  }

  /** A stored event as ours again, or undefined (logged) if it no longer passes its schema. */
  private readStored(row: OutboxDelivery): ZixlyEvent | undefined {
    try {
      return checkEvent(row.event as unknown as CloudEventV1<unknown>);
    } catch (error) {
      this.log.error("stored delivery unreadable: dropped", { id: row.id, error: String(error) });
      return undefined;
    }
  }

  /** Resolves true once nothing is running, queued or backing off; false after `timeoutMs`. */
  drain(timeoutMs = 30_000): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(waiter);
    });
  }

  /**
   * Stops accepting events, lets the deliveries in progress finish for up to `timeoutMs`,
   * then stops: whatever is still queued or backing off stays in the outbox for the next
   * start. Resolves whether it drained fully.
   */
  async close(timeoutMs = 10_000): Promise<boolean> {
    this.closed = true;
    const drained = await this.drain(timeoutMs);
    if (!this.stopping.signal.aborted)
      this.stopping.abort(new PublishError(`broker ${this.name} is closed`, 503));
    for (const lane of this.lanes.values()) {
      for (const d of lane.queue.splice(0)) this.leave(d);
    }
    for (const d of [...this.held]) this.leave(d);
    clearTimeout(this.outboxTimer);
    await this.retryOutbox();
    clearTimeout(this.outboxTimer);
    return drained;
  }

  stats(): BrokerStats {
    return { ...this.counts, inFlight: this.inFlight, waiting: this.pending - this.inFlight };
  }

  /** Stores the deliveries of `event` in the outbox, then schedules them. */
  private async store(event: ZixlyEvent): Promise<void> {
    const matches = this.triggers.filter((t) => t.type === event.type);
    if (matches.length === 0) {
      this.counts.accepted++;
      this.counts.unrouted++;
      this.log.info("no trigger matches; event dropped", {
        eventId: event.id,
        eventType: event.type,
      });
      return;
    }
    const stored = await this.outbox.append(
      event.toJSON() as Record<string, unknown>,
      matches.map((t) => t.name),
    );
    this.counts.accepted++;
    for (const row of stored) {
      const trigger = this.byName.get(row.trigger)!;
      this.enqueue({
        id: row.id,
        event,
        trigger,
        delivery: trigger.delivery ?? this.delivery,
        tries: 0,
      });
    }
  }

  private enqueue(d: Delivery): void {
    this.pending++;
    const lane = this.lanes.get(d.trigger.subscriber)!;
    lane.queue.push(d);
    this.held.add(d);
    // Deliver after publish has returned, as a broker does after its acknowledgement.
    if (!lane.scheduled) {
      lane.scheduled = true;
      setImmediate(() => {
        lane.scheduled = false;
        this.pump(lane);
      });
    }
  }

  private pump(lane: Lane): void {
    while (lane.active < this.concurrency && lane.queue.length > 0) {
      const d = lane.queue.shift()!;
      if (this.stopping.signal.aborted) {
        this.leave(d);
        continue;
      }
      lane.active++;
      this.inFlight++;
      this.held.delete(d);
      void attemptDelivery(this.subscribers[d.trigger.subscriber]!, d.event, d.delivery.timeoutMs)
        .then((result) => {
          lane.active--;
          this.inFlight--;
          this.pump(lane);
          return this.settle(lane, d, result);
        })
        .catch((error: unknown) =>
          this.log.error("broker bug while settling a delivery", { error: String(error) }),
        );
    }
  }

  private async settle(lane: Lane, d: Delivery, result: AttemptResult): Promise<void> {
    d.tries++;
    // Knative data-plane: a network error (no status at all) is retried.
    const verdict = "error" in result ? "retry" : verdictFor(result.status);
    if (verdict === "ack" && !("error" in result)) {
      const rejected = result.reply ? await this.forwardReply(result.reply) : undefined;
      if (rejected === undefined) {
        this.counts.delivered++;
        recordBrokerDelivery(d.trigger.subscriber, "delivered");
        this.end(d);
        return;
      }
      if (rejected.retry) return this.retry(lane, d);
      // Knative fails the delivery when its reply cannot be published; a retry would reply alike.
      return this.giveUp(
        d,
        { status: result.status, body: rejected.why },
        `reply rejected (${rejected.why})`,
      );
    }
    if (verdict === "retry" && d.tries <= d.delivery.retry) return this.retry(lane, d);
    const what = "error" in result ? `error: ${result.error}` : String(result.status);
    return this.giveUp(d, result, what);
  }

  private async retry(lane: Lane, d: Delivery): Promise<void> {
    this.counts.retried++;
    recordBrokerDelivery(d.trigger.subscriber, "retried");
    this.held.add(d);
    // Best-effort: a restart without it retries from an older count, never loses the event.
    this.outbox.recordAttempt(d.id, d.tries).catch(() => undefined);
    try {
      await this.sleep(backoffMs(d.delivery, d.tries - 1), this.stopping.signal);
    } catch {
      this.leave(d);
      return;
    }
    this.held.delete(d);
    lane.queue.push(d);
    this.pump(lane);
  }

  /**
   * Publishes a reply into this broker; returns why it was refused, and whether that may
   * pass (the outbox was down) so the delivery is retried rather than failed.
   */
  private async forwardReply(
    reply: CloudEvent<unknown>,
  ): Promise<{ why: string; retry: boolean } | undefined> {
    let event: ZixlyEvent;
    try {
      event = checkEvent(reply);
    } catch (error) {
      return { why: error instanceof Error ? error.message : String(error), retry: false };
    }
    // Replies of deliveries still draining are accepted after close(), until the drain ends.
    if (this.stopping.signal.aborted) return { why: `broker ${this.name} is closed`, retry: true };
    try {
      await this.store(event);
      return undefined;
    } catch (error) {
      return { why: `reply not stored: ${String(error)}`, retry: true };
    }
  }

  private async giveUp(d: Delivery, result: AttemptResult, what: string): Promise<void> {
    const reason = `${what} after ${d.tries} attempt${d.tries === 1 ? "" : "s"}`;
    const sink = d.delivery.deadLetterSink;
    const fields = {
      trigger: d.trigger.name,
      eventId: d.event.id,
      eventType: d.event.type,
      reason,
      sink,
    };
    if (sink === undefined || !this.deadLetter) {
      // Knative: without a dead-letter sink a finally failed event is dropped.
      this.counts.dropped++;
      recordBrokerDelivery(d.trigger.subscriber, "dropped");
      const why = sink === undefined ? "not set" : "not wired";
      this.log.warn(`delivery failed, dead-letter sink ${why}: event dropped`, fields);
      this.end(d);
      return;
    }
    const letter = deadLetterOf(d.event, d.trigger.subscriber, result, reason);
    for (let wait = 0; ; wait++) {
      try {
        await this.deadLetter(letter);
        break;
      } catch (error) {
        // The letter is the only copy once the delivery ends: keep the delivery until a
        // sink takes it, and leave it in the outbox if the broker stops first.
        this.log.error("dead-letter sink failed; trying again", {
          ...fields,
          error: String(error),
        });
        this.held.add(d);
        try {
          await this.sleep(
            Math.min(backoffMs(d.delivery, wait), 60_000) || 1_000,
            this.stopping.signal,
          );
        } catch {
          this.leave(d);
          return;
        }
        this.held.delete(d);
      }
    }
    this.counts.deadLettered++;
    recordBrokerDelivery(d.trigger.subscriber, "dead_lettered");
    recordDeadLetter(d.trigger.subscriber);
    this.log.warn("delivery failed: event dead-lettered", fields);
    this.end(d);
  }

  /** The delivery ended: forget it in the outbox (retried later if that fails). */
  private end(d: Delivery): void {
    this.outbox.complete(d.id).catch((error: unknown) => {
      this.unrecorded.add(d.id);
      this.log.warn("delivery ended but the outbox did not record it; retrying", {
        id: d.id,
        error: String(error),
      });
      this.armOutboxTimer();
    });
    this.finish();
  }

  /** The broker stops before the delivery ended: it stays in the outbox for the next start. */
  private leave(d: Delivery): void {
    if (!this.held.delete(d)) return;
    this.counts.left++;
    this.finish();
  }

  /** Retries what waits for the outbox: unrecorded completions, then the spool. */
  private async retryOutbox(): Promise<void> {
    for (const id of [...this.unrecorded]) {
      try {
        await this.outbox.complete(id);
        this.unrecorded.delete(id);
      } catch {
        return;
      }
    }
    if (!this.spool || this.closed) return;
    try {
      const moved = await this.spool.drain(async (raw) => {
        let event: ZixlyEvent;
        try {
          event = checkEvent(raw as unknown as CloudEventV1<unknown>);
        } catch (error) {
          // No retry makes it valid: set it aside instead of blocking every later event.
          this.log.error("spooled event is not a valid event: set aside as .bad", {
            id: typeof raw.id === "string" ? raw.id : undefined,
            error: String(error),
          });
          throw new UnusableSpooledEvent(String(error));
        }
        await this.store(event);
      });
      if (moved > 0) this.log.info("spooled events moved into the outbox", { events: moved });
    } catch {
      // Still down: publish logged the outage once; the timer tries again.
    }
  }

  private armOutboxTimer(ms = this.outboxRetryMs): void {
    if (this.outboxTimer || this.stopping.signal.aborted) return;
    this.outboxTimer = setTimeout(() => {
      this.outboxTimer = undefined;
      void this.retryOutbox().finally(() => {
        if (this.unrecorded.size > 0 || (this.spool && !this.closed && this.spool.size() > 0))
          this.armOutboxTimer();
      });
    }, ms);
    this.outboxTimer.unref();
  }

  private finish(): void {
    this.pending--;
    if (this.pending > 0) return;
    for (const waiter of this.idleWaiters) waiter();
    this.idleWaiters.clear();
  }
}

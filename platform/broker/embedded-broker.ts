// An in-process Knative Broker: routes by the deployed Triggers and retries and dead-letters alike.
import { setTimeout as delay } from "node:timers/promises";
import type { CloudEvent } from "cloudevents";
import { checkEvent, type ZixlyEvent } from "../../events/cloud-event.ts";
import { PublishError } from "../../events/publisher.ts";
import { createLogger, type Logger } from "../log.ts";
import { recordBrokerDelivery, recordDeadLetter } from "../metrics/metrics.ts";
import type { DeadLetter } from "../ports.ts";
import { type AttemptResult, attemptDelivery, type Subscriber } from "./delivery-attempt.ts";
import { backoffMs, deadLetterOf, verdictFor } from "./delivery-rules.ts";
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
  /** Finally failed deliveries without a (working) sink, and deliveries cut off by close(). */
  readonly dropped: number;
  /** Subscriber calls running now. */
  readonly inFlight: number;
  /** Deliveries queued behind the concurrency cap or backing off. */
  readonly waiting: number;
}

interface Delivery {
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
 * delivery rules (see delivery-rules.ts). `publish` resolves once the deliveries are queued;
 * they run later. Like the in-memory channel, it loses whatever is queued if the process dies.
 * @example
 * const broker = new EmbeddedBroker({ triggers, delivery, subscribers: { notify } });
 * await broker.publish(event);
 * await broker.drain(5_000);
 */
export class EmbeddedBroker {
  readonly name: string;
  private readonly triggers: readonly TriggerDefinition[];
  private readonly delivery: DeliverySpec;
  private readonly subscribers: Readonly<Record<string, Subscriber>>;
  private readonly deadLetter: ((letter: DeadLetter) => Promise<void>) | undefined;
  private readonly log: Logger;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly concurrency: number;
  private readonly lanes = new Map<string, Lane>();
  private readonly stopping = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
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
  };

  constructor(options: EmbeddedBrokerOptions) {
    this.name = options.name ?? "default";
    this.triggers = options.triggers;
    this.delivery = options.delivery;
    this.subscribers = options.subscribers;
    this.deadLetter = options.deadLetter;
    this.log = options.log ?? createLogger("broker", { broker: this.name });
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.concurrency = options.concurrency ?? 16;
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

  /** Accepts `event` and queues a delivery per matching Trigger. Rejects with 503 once closed. */
  async publish(event: ZixlyEvent): Promise<void> {
    if (this.closed) throw new PublishError(`broker ${this.name} is closed`, 503);
    this.route(event);
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
   * then drops whatever is still queued or backing off. Resolves whether it drained fully.
   */
  async close(timeoutMs = 10_000): Promise<boolean> {
    this.closed = true;
    const drained = await this.drain(timeoutMs);
    if (!this.stopping.signal.aborted)
      this.stopping.abort(new PublishError(`broker ${this.name} is closed`, 503));
    for (const lane of this.lanes.values()) {
      for (const d of lane.queue.splice(0)) this.drop(d, "broker closed before delivery");
    }
    return drained;
  }

  stats(): BrokerStats {
    return { ...this.counts, inFlight: this.inFlight, waiting: this.pending - this.inFlight };
  }

  private route(event: ZixlyEvent): void {
    this.counts.accepted++;
    const matches = this.triggers.filter((t) => t.type === event.type);
    if (matches.length === 0) {
      this.counts.unrouted++;
      this.log.info("no trigger matches; event dropped", {
        eventId: event.id,
        eventType: event.type,
      });
      return;
    }
    for (const trigger of matches) {
      this.pending++;
      const lane = this.lanes.get(trigger.subscriber)!;
      lane.queue.push({ event, trigger, delivery: trigger.delivery ?? this.delivery, tries: 0 });
      // Deliver after publish has returned, as a broker does after its acknowledgement.
      if (!lane.scheduled) {
        lane.scheduled = true;
        setImmediate(() => {
          lane.scheduled = false;
          this.pump(lane);
        });
      }
    }
  }

  private pump(lane: Lane): void {
    while (lane.active < this.concurrency && lane.queue.length > 0) {
      const d = lane.queue.shift()!;
      if (this.stopping.signal.aborted) {
        this.drop(d, "broker closed before delivery");
        continue;
      }
      lane.active++;
      this.inFlight++;
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
      const rejected = result.reply ? this.forwardReply(result.reply) : undefined;
      if (rejected === undefined) {
        this.counts.delivered++;
        recordBrokerDelivery(d.trigger.subscriber, "delivered");
        this.finish();
        return;
      }
      // Knative fails the delivery when its reply cannot be published; a retry would reply alike.
      return this.giveUp(
        d,
        { status: result.status, body: rejected },
        `reply rejected (${rejected})`,
      );
    }
    if (verdict === "retry" && d.tries <= d.delivery.retry) {
      this.counts.retried++;
      recordBrokerDelivery(d.trigger.subscriber, "retried");
      try {
        await this.sleep(backoffMs(d.delivery, d.tries - 1), this.stopping.signal);
      } catch {
        this.drop(d, "broker closed during backoff");
        return;
      }
      lane.queue.push(d);
      this.pump(lane);
      return;
    }
    const what = "error" in result ? `error: ${result.error}` : String(result.status);
    return this.giveUp(d, result, what);
  }

  /** Publishes a reply into this broker; returns why it was refused, if it was. */
  private forwardReply(reply: CloudEvent<unknown>): string | undefined {
    let event: ZixlyEvent;
    try {
      event = checkEvent(reply);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    // Replies of deliveries still draining are accepted after close(), until the drain ends.
    if (this.stopping.signal.aborted) return `broker ${this.name} is closed`;
    this.route(event);
    return undefined;
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
    } else {
      try {
        await this.deadLetter(deadLetterOf(d.event, d.trigger.subscriber, result, reason));
        this.counts.deadLettered++;
        recordBrokerDelivery(d.trigger.subscriber, "dead_lettered");
        recordDeadLetter(d.trigger.subscriber);
        this.log.warn("delivery failed: event dead-lettered", fields);
      } catch (error) {
        this.counts.dropped++;
        recordBrokerDelivery(d.trigger.subscriber, "dropped");
        this.log.error("dead-letter sink failed: event dropped", {
          ...fields,
          error: String(error),
        });
      }
    }
    this.finish();
  }

  private drop(d: Delivery, why: string): void {
    this.counts.dropped++;
    recordBrokerDelivery(d.trigger.subscriber, "dropped");
    this.log.warn(`${why}: event dropped`, {
      trigger: d.trigger.name,
      eventId: d.event.id,
      eventType: d.event.type,
    });
    this.finish();
  }

  private finish(): void {
    this.pending--;
    if (this.pending > 0) return;
    for (const waiter of this.idleWaiters) waiter();
    this.idleWaiters.clear();
  }
}

// The pipeline's Prometheus metrics and the one helper per fact that code records with.
// Names follow Prometheus conventions: base units (_seconds), _total on counters, and label
// values drawn from small fixed sets; never a run id or an event id. docs/metrics.md lists
// every metric, and a test checks that it does.
import { Counter, Histogram } from "prom-client";
import {
  apiServerResourceAdd,
  apiServerResourceDelete,
  apiServerResourceUpdate,
  EVENTS,
  FailureCode,
  pingSourcePing,
} from "../../events/index.ts";
import { BoundedLabel } from "./bounded-label.ts";
import { metricsRegistry } from "./registry.ts";

const registers = [metricsRegistry];

/** What became of one webhook delivery; `replay` is a redelivery answered with the same run. */
export const WEBHOOK_OUTCOMES = [
  "accepted",
  "unauthorized",
  "forbidden",
  "invalid",
  "replay",
  "rate_limited",
  "too_large",
  "unavailable",
  "not_found",
  "error",
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** What became of one event a function consumed: `invalid` was acknowledged and dropped. */
export type ConsumedOutcome = "ok" | "error" | "invalid";

/** What became of one try of an embedded-broker delivery. */
export type DeliveryOutcome = "delivered" | "retried" | "dead_lettered" | "dropped";

/** Which launcher started a run's shards. */
export type LauncherKind = "local" | "kubernetes";

export const webhooksReceived = new Counter({
  name: "zixly_webhooks_received_total",
  help: "Webhook deliveries answered, by configured source (or unknown) and outcome.",
  labelNames: ["source", "outcome"] as const,
  registers,
});

export const eventsPublished = new Counter({
  name: "zixly_events_published_total",
  help: "CloudEvents handed to the broker, by event type and whether the broker took them.",
  labelNames: ["type", "outcome"] as const,
  registers,
});

export const eventsConsumed = new Counter({
  name: "zixly_events_consumed_total",
  help: "CloudEvents handled by a function, by event type, function and outcome (ok, error: redelivered, invalid: dropped).",
  labelNames: ["type", "function", "outcome"] as const,
  registers,
});

export const handlerDuration = new Histogram({
  name: "zixly_handler_duration_seconds",
  help: "Time a CloudEvent function took per event, dependencies included.",
  labelNames: ["function"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export const jobsLaunched = new Counter({
  name: "zixly_jobs_launched_total",
  help: "Runs whose shards a launcher started (one Indexed Job, or one batch of local processes).",
  labelNames: ["launcher"] as const,
  registers,
});

export const shardsLaunched = new Counter({
  name: "zixly_shards_launched_total",
  help: "Shards handed to a launcher; re-runs of a shard are not counted again.",
  labelNames: ["launcher"] as const,
  registers,
});

export const shardsFinished = new Counter({
  name: "zixly_shards_finished_total",
  help: "Shards that reported an end, by outcome (succeeded, failed) and failure reason (none when succeeded).",
  labelNames: ["outcome", "reason"] as const,
  registers,
});

export const runDuration = new Histogram({
  name: "zixly_run_duration_seconds",
  help: "Time from a run's webhook to its end, observed once when record-result finishes it.",
  labelNames: ["status"] as const,
  buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
  registers,
});

export const shardBarEvaluationsPerSecond = new Histogram({
  name: "zixly_shard_bar_evaluations_per_second",
  help: "Engine speed of each succeeded shard: combinations times bars, divided by its sweep time.",
  buckets: [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9],
  registers,
});

export const shardDuration = new Histogram({
  name: "zixly_shard_duration_seconds",
  help: "Sweep time of each succeeded shard, as the Job measured it.",
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  registers,
});

export const deadLetters = new Counter({
  name: "zixly_dead_letters_total",
  help: "Events the broker gave up on and dead-lettered, by the subscriber that refused them.",
  labelNames: ["subscriber"] as const,
  registers,
});

export const brokerDeliveries = new Counter({
  name: "zixly_broker_deliveries_total",
  help: "Embedded broker delivery tries, by subscriber and outcome (delivered, retried, dead_lettered, dropped).",
  labelNames: ["subscriber", "outcome"] as const,
  registers,
});

// Failure reasons are a closed enum: start every series at zero, so rate() sees the first one.
shardsFinished.inc({ outcome: "succeeded", reason: "none" }, 0);
for (const code of FailureCode.options) shardsFinished.inc({ outcome: "failed", reason: code }, 0);

/** Event types we know: ours and the Knative sources' that watch-jobs consumes. */
const KNOWN_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(EVENTS),
  apiServerResourceAdd.type,
  apiServerResourceUpdate.type,
  apiServerResourceDelete.type,
  pingSourcePing.type,
]);

/** An event type as a label: ours, a Knative source's, or `other` (dead-letters sees any type). */
export function eventTypeLabel(type: string): string {
  return KNOWN_TYPES.has(type) ? type : "other";
}

// Subscriber names come from the Trigger file or, in Knative, from a dead letter's URL.
const subscribers = new BoundedLabel(32);
const webhookSources = new BoundedLabel(64);

/** Counts one answered webhook; `source` should already be a configured one or `unknown`. */
export function recordWebhook(source: string, outcome: WebhookOutcome): void {
  webhooksReceived.inc({ source: webhookSources.of(source), outcome });
}

/** Counts one event handed to the broker. */
export function recordPublished(type: string, outcome: "ok" | "error"): void {
  eventsPublished.inc({ type: eventTypeLabel(type), outcome });
}

/** Counts one event a function handled, and how long it took. */
export function recordConsumed(
  type: string,
  fn: string,
  outcome: ConsumedOutcome,
  seconds: number,
): void {
  eventsConsumed.inc({ type: eventTypeLabel(type), function: fn, outcome });
  handlerDuration.observe({ function: fn }, seconds);
}

/** Counts one run whose shards a launcher started, and its shards. */
export function recordJobLaunched(launcher: LauncherKind, shards: number): void {
  jobsLaunched.inc({ launcher });
  shardsLaunched.inc({ launcher }, shards);
}

/** Counts a succeeded shard and observes the figures its Job reported, when there are any. */
export function recordShardSucceeded(
  figures: { readonly barEvaluationsPerSecond: number; readonly elapsedMs: number } | undefined,
): void {
  shardsFinished.inc({ outcome: "succeeded", reason: "none" });
  if (!figures) return;
  shardBarEvaluationsPerSecond.observe(figures.barEvaluationsPerSecond);
  shardDuration.observe(figures.elapsedMs / 1000);
}

/** Counts a failed shard by its failure code. */
export function recordShardFailed(code: FailureCode): void {
  shardsFinished.inc({ outcome: "failed", reason: code });
}

/** Observes a finished run's duration from its ISO `createdAt` to its `finishedAt`. */
export function recordRunFinished(
  status: "succeeded" | "failed",
  run: { readonly createdAt: string; readonly finishedAt: string | null },
): void {
  if (!run.finishedAt) return;
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.createdAt)) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return;
  runDuration.observe({ status }, seconds);
}

/**
 * Counts one dead letter. `subscriber` is a Service name, or the subscriber URL Knative
 * puts in `knativeerrordest`, whose first host label is the Service name.
 */
export function recordDeadLetter(subscriber: string): void {
  deadLetters.inc({ subscriber: subscribers.of(serviceName(subscriber)) });
}

/** Counts one settled try of an embedded-broker delivery. */
export function recordBrokerDelivery(subscriber: string, outcome: DeliveryOutcome): void {
  brokerDeliveries.inc({ subscriber: subscribers.of(subscriber), outcome });
}

/** `http://record-result.zixly.svc.cluster.local/` → `record-result`; a bare name stays. */
function serviceName(subscriber: string): string {
  if (!subscriber.includes("://")) return subscriber;
  try {
    return new URL(subscriber).hostname.split(".")[0] || "unknown";
  } catch {
    return "unknown";
  }
}

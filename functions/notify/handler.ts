// notify: POST a Standard-Webhooks-signed callback when a run finishes; failures are retried by the broker.
import type { CloudEventV1 } from "cloudevents";
import type { Webhook } from "standardwebhooks";
import {
  type BacktestCompleted,
  type BacktestFailed,
  backtestCompleted,
  backtestFailed,
  checkEvent,
  InvalidEventData,
  NotOurEvent,
} from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import type { RunStore } from "../../platform/ports.ts";
import { urlRefusal } from "../../platform/url-policy.ts";

/** What notify needs. */
export interface NotifyDeps {
  /** Remembers which final events were delivered (processed_events). */
  readonly store: RunStore;
  /** Signs callbacks (Standard Webhooks). */
  readonly signer: Webhook;
  readonly log: Logger;
  readonly timeoutMs: number;
  /** Allow http:// and private addresses as callback targets (local use and tests). */
  readonly allowInsecure: boolean;
  /** Base URL for the run's status link in the callback. */
  readonly publicUrl: string;
  readonly fetch?: typeof fetch;
}

/** The processed-events namespace of delivered callbacks. */
const CALLBACKS = "notify-callback";

export type NotifyOutcome = "sent" | "no-callback" | "duplicate" | "refused" | "invalid";

/**
 * Handles completed and failed. Throws when the callback fails, so the broker retries with
 * backoff; the webhook-id is the event id, so a receiver recognises a repeated callback.
 */
export async function handleFinalEvent(
  raw: CloudEventV1<unknown>,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  let event: ReturnType<typeof checkEvent>;
  try {
    event = checkEvent(raw);
    if (event.type !== backtestCompleted.type && event.type !== backtestFailed.type) {
      throw new NotOurEvent(`unexpected event type ${event.type}`);
    }
  } catch (error) {
    if (!(error instanceof NotOurEvent || error instanceof InvalidEventData)) throw error;
    deps.log.warn("invalid final event acknowledged and dropped", {
      eventId: raw.id,
      reason: error.message,
    });
    return "invalid";
  }
  const data = event.data as BacktestCompleted | BacktestFailed;
  const log = deps.log.child({ runId: data.runId, eventId: raw.id, traceparent: raw.traceparent });
  if (!data.callbackUrl) return "no-callback";
  const refusal = urlRefusal(data.callbackUrl, deps.allowInsecure);
  if (refusal) {
    log.warn("callback refused", { callbackUrl: data.callbackUrl, refusal });
    return "refused";
  }
  // Keyed by the event id alone: a run's final event has one id (`${runId}/completed`)
  // whichever function published it (record-result, the api, the reaper's re-publish).
  if (await deps.store.wasProcessed(CALLBACKS, raw.id)) return "duplicate";

  const { callbackUrl, ...rest } = data;
  const body = JSON.stringify({
    type: raw.type,
    statusUrl: `${deps.publicUrl}/runs/${data.runId}`,
    ...rest,
  });
  const now = new Date();
  const response = await (deps.fetch ?? fetch)(callbackUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": raw.id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": deps.signer.sign(raw.id, now, body),
      ...(typeof raw.traceparent === "string" ? { traceparent: raw.traceparent } : {}),
    },
    body,
    // A redirect is an answer, not an address to follow: it could lead past urlRefusal.
    redirect: "manual",
    signal: AbortSignal.timeout(deps.timeoutMs),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`callback to ${callbackUrl} answered ${response.status}`);
  await deps.store.markProcessed(CALLBACKS, raw.id);
  log.info("callback sent", { callbackUrl, status: response.status });
  return "sent";
}

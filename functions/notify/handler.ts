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
import type { ConnectorSeams } from "../../platform/outbound/checked-connector.ts";
import {
  guardedFetch,
  type OutboundPolicy,
  outboundError,
} from "../../platform/outbound/guarded-fetch.ts";
import { OutboundRefused } from "../../platform/outbound/outbound-errors.ts";
import type { RunStore } from "../../platform/ports.ts";
import { checkUrl } from "../../platform/url-policy.ts";

/** What notify needs. */
export interface NotifyDeps {
  /** Remembers which final events were delivered (processed_events). */
  readonly store: RunStore;
  /** Signs callbacks (Standard Webhooks). */
  readonly signer: Webhook;
  readonly log: Logger;
  /** The whole callback, connection to answer. */
  readonly timeoutMs: number;
  /** Allow http:// and private addresses as callback targets (local use and tests). */
  readonly allowInsecure: boolean;
  /** Base URL for the run's status link in the callback. */
  readonly publicUrl: string;
  /** For tests: name resolution and dialling of callbacks (platform/outbound). */
  readonly outboundSeams?: ConnectorSeams;
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
  // The URL's origin only: a path or query may hold the receiver's secret (a hook token).
  const checked = checkUrl(data.callbackUrl, deps.allowInsecure);
  if (!checked.ok) {
    log.warn("callback refused", { refusal: checked.reason, detail: checked.detail });
    return "refused";
  }
  const callback = { callbackOrigin: checked.url.origin };
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
  const policy: OutboundPolicy = {
    what: "callback",
    allowInsecure: deps.allowInsecure,
    timeoutMs: deps.timeoutMs,
    // A redirect is an answer, not an address to follow: a 3xx fails the callback.
    maxRedirects: 0,
    seams: deps.outboundSeams,
  };
  let status: number;
  try {
    const response = await guardedFetch(
      callbackUrl,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": raw.id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": deps.signer.sign(raw.id, now, body),
          ...(typeof raw.traceparent === "string" ? { traceparent: raw.traceparent } : {}),
        },
        body,
      },
      policy,
    );
    status = response.status;
    // The receiver's answer is not read, only drained, so it never reaches a log.
    await response.body?.cancel().catch(() => undefined);
  } catch (caught) {
    const error = outboundError(caught, policy);
    if (error instanceof OutboundRefused) {
      // What the name resolved to is the policy's business, final: no retry will change it.
      log.warn("callback refused", { ...callback, refusal: error.reason, detail: error.message });
      return "refused";
    }
    log.warn("callback failed", { ...callback, reason: error.reason, detail: error.message });
    // Thrown, so the broker retries with backoff; the message names the class of failure only.
    throw new Error(error.publicMessage, { cause: error });
  }
  await deps.store.markProcessed(CALLBACKS, raw.id);
  log.info("callback sent", { ...callback, status });
  return "sent";
}

// ingest-webhook: authenticate, validate, derive the run id, publish `requested`, answer 202.
import { createHash, randomBytes } from "node:crypto";
import { backtestRequested, createEvent, deriveRunId, type Publisher } from "../../events/index.ts";
import {
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  TooManyRequests,
  Unavailable,
} from "../../platform/http/http-errors.ts";
import type { Logger } from "../../platform/log.ts";
import type { RateLimiter, ReplayGuard } from "../../platform/ports.ts";
import { urlRefusal } from "../../platform/url-policy.ts";
import type { Verifier } from "./authenticate.ts";
import { validateRequest } from "./validate-request.ts";

/** What the handler needs, all injected. */
export interface IngestDeps {
  /** Configured sources by name, each with its verifier. */
  readonly sources: ReadonlyMap<string, Verifier>;
  readonly replay: ReplayGuard;
  readonly rate: RateLimiter;
  readonly publisher: Publisher;
  readonly log: Logger;
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxCombinations: number;
    readonly ratePerMinute: number;
    readonly replayTtlSeconds: number;
    /** Allow http and private addresses in data and callback URLs (local use, tests). */
    readonly allowInsecureUrls: boolean;
  };
  /** Base URL for statusUrl, e.g. http://localhost:8080. */
  readonly publicUrl: string;
  /**
   * Which hops' X-Forwarded-For the HTTP adapters believe when they take the client address
   * (TRUSTED_PROXIES, platform/http/client-address.ts); absent, the client is the TCP peer.
   */
  readonly trustProxy?: (address: string, hop: number) => boolean;
}

/** One webhook delivery, as the HTTP layer hands it over. */
export interface WebhookInput {
  readonly source: string;
  readonly headers: Record<string, string | undefined>;
  readonly rawBody: Buffer;
  readonly ip: string;
}

/** The 202 answer: the run and where to follow it. `replay` is true for a redelivery. */
export interface Accepted {
  readonly runId: string;
  readonly statusUrl: string;
  readonly replay: boolean;
}

/** W3C traceparent: version-traceid-parentid-flags. */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A fresh trace for a webhook that did not bring one: 16 bytes of trace id, 8 of span id. */
function newTraceparent(): string {
  const hex = randomBytes(24).toString("hex");
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

function unavailable(what: string) {
  return (error: unknown): never => {
    throw new Unavailable(`${what} is unavailable, try again`, { cause: error });
  };
}

/**
 * Handles one delivery. Throws an HttpError for every refusal; resolves only after the
 * broker accepted the `requested` event, so a 202 always means the run will happen.
 */
export async function handleWebhook(input: WebhookInput, deps: IngestDeps): Promise<Accepted> {
  const verify = deps.sources.get(input.source);
  if (!verify) throw new NotFound(`unknown webhook source "${input.source}"`);
  if (input.rawBody.length > deps.limits.maxBodyBytes) {
    throw new PayloadTooLarge(deps.limits.maxBodyBytes, input.rawBody.length);
  }
  const { webhookId, body } = verify(input);

  const limit = await deps.rate
    .hit(`source:${input.source}`, deps.limits.ratePerMinute, 60)
    .catch(unavailable("the rate limiter"));
  if (!limit.allowed) {
    throw new TooManyRequests(
      `more than ${deps.limits.ratePerMinute} webhooks a minute from source "${input.source}"`,
      limit.retryAfterSeconds,
    );
  }

  const { request, combinations } = validateRequest(body, deps.limits.maxCombinations);
  const urls = {
    "data.url": "url" in request.data ? request.data.url : undefined,
    callbackUrl: request.callbackUrl,
  };
  for (const [path, url] of Object.entries(urls)) {
    const refusal = url === undefined ? undefined : urlRefusal(url, deps.limits.allowInsecureUrls);
    if (refusal) throw new InvalidRequest(`${path}: ${refusal}`, [{ path, message: refusal }]);
  }
  // A redelivery carries the same id (or, without one, the same body): the same run.
  const key = webhookId
    ? `id:${webhookId}`
    : `body:${createHash("sha256").update(input.rawBody).digest("hex")}`;
  const runId = deriveRunId(input.source, key);
  const statusUrl = `${deps.publicUrl}/runs/${runId}`;
  const replayKey = `${input.source}:${key}`;

  if (await deps.replay.seen(replayKey).catch(unavailable("the replay guard"))) {
    return { runId, statusUrl, replay: true };
  }

  const incoming = input.headers.traceparent;
  const traceparent = incoming && TRACEPARENT.test(incoming) ? incoming : newTraceparent();
  const event = createEvent(
    backtestRequested.type,
    { runId, source: input.source, combinations, request, receivedAt: new Date().toISOString() },
    { id: runId, source: "/zixly/ingest-webhook", traceparent },
  );
  try {
    await deps.publisher.publish(event);
  } catch (error) {
    deps.log.warn("broker refused the requested event", { runId, error: String(error) });
    throw new Unavailable("the broker is unavailable; nothing was started, try again", {
      cause: error,
    });
  }
  // Remember only after the broker took the event: a failed publish must stay retryable.
  // If this fails the run still happens, and dispatch recognises a second publish by run id.
  await deps.replay.remember(replayKey, deps.limits.replayTtlSeconds).catch((error: unknown) => {
    deps.log.warn("could not record the webhook id", { runId, error: String(error) });
  });
  deps.log.info("run requested", { runId, source: input.source, combinations, traceparent });
  return { runId, statusUrl, replay: false };
}

// Maps how a webhook ended to its metric outcome and source label, for both ingest adapters.
import { HttpError } from "../http/http-errors.ts";
import type { WebhookOutcome } from "./metrics.ts";

/** HttpError codes (platform/http/http-errors.ts) and the outcome each stands for. */
const BY_CODE: Readonly<Record<string, WebhookOutcome>> = {
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  invalid_request: "invalid",
  rate_limited: "rate_limited",
  payload_too_large: "too_large",
  unavailable: "unavailable",
  not_found: "not_found",
};

/** The outcome of a webhook that ended in `error`; anything unnamed is `error` (a 500). */
export function webhookOutcomeOf(error: unknown): WebhookOutcome {
  return (error instanceof HttpError && BY_CODE[error.code]) || "error";
}

/** The outcome of a webhook the handler accepted. */
export function acceptedOutcome(accepted: { readonly replay: boolean }): WebhookOutcome {
  return accepted.replay ? "replay" : "accepted";
}

/**
 * The `source` label of a request path segment: the source when it is configured, else
 * `unknown`, so that probing random paths cannot create series.
 */
export function webhookSourceLabel(
  segment: string | undefined,
  sources: { has(name: string): boolean } | undefined,
): string {
  if (segment === undefined || !sources) return "unknown";
  try {
    const name = decodeURIComponent(segment);
    return sources.has(name) ? name : "unknown";
  } catch {
    return "unknown";
  }
}

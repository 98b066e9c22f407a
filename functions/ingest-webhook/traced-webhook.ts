// handleWebhook inside a span per delivery, when tracing is on (platform/tracing.ts).
import { inSpan, type SpanAttributes } from "../../platform/tracing.ts";
import { type Accepted, handleWebhook, type IngestDeps, type WebhookInput } from "./handler.ts";
import { INGEST_WEBHOOK } from "./register.ts";

const ATTRIBUTES: SpanAttributes = { "faas.name": INGEST_WEBHOOK };

/**
 * {@link handleWebhook} in a span whose parent is the webhook's `traceparent` header. The
 * event must carry the trace the span is in: with a valid header that is the header itself,
 * as before; without one, the span starts the trace and the handler publishes the span's
 * own context instead of drawing a fresh one. With tracing off it is handleWebhook.
 */
export function handleTracedWebhook(input: WebhookInput, deps: IngestDeps): Promise<Accepted> {
  return inSpan(INGEST_WEBHOOK, input.headers.traceparent, ATTRIBUTES, async (span) => {
    const traceparent = span.traceparent;
    const accepted = await handleWebhook(
      traceparent ? { ...input, headers: { ...input.headers, traceparent } } : input,
      deps,
    );
    span.set("zixly.run_id", accepted.runId);
    return accepted;
  });
}

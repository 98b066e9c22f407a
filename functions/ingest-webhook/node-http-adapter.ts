// ingest-webhook straight on node:http: what our images and the stack serve webhooks with.
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientAddress } from "../../platform/http/client-address.ts";
import { NotFound } from "../../platform/http/http-errors.ts";
import { decodePathSegment } from "../../platform/http/path-segment.ts";
import { readBody } from "../../platform/http/read-body.ts";
import { recordWebhook } from "../../platform/metrics/metrics.ts";
import { acceptedOutcome, webhookSourceLabel } from "../../platform/metrics/webhook-outcome.ts";
import type { IngestDeps } from "./handler.ts";
import { handleTracedWebhook } from "./traced-webhook.ts";
import { answerWebhookFailure } from "./webhook-failure.ts";

const PATH = /^\/webhooks\/([^/?#]+)\/?(?:\?.*)?$/;

/**
 * `POST /webhooks/:source` without functions-framework in between. The benchmark showed
 * functions-framework's per-request domain, express and body parsers costing three times
 * the handler itself (docs/decisions/0015-ingest-path.md); here the body is read once, as
 * bytes, under the limit, and a refusal never reads more than it must. The function still
 * registers with functions-framework (register.ts), which runs the same handler. A malformed
 * path is a 400; a client that goes away mid-body is let go with one debug line
 * (docs/decisions/0031-client-address-and-http-limits.md).
 */
export function ingestNodeHandler(
  deps: () => Promise<IngestDeps>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serve(req, res, deps);
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  getDeps: () => Promise<IngestDeps>,
): Promise<void> {
  let deps: IngestDeps | undefined;
  let source = "unknown";
  try {
    deps = await getDeps();
    const match = PATH.exec(req.url ?? "");
    source = webhookSourceLabel(match?.[1], deps.sources);
    if (req.method !== "POST" || !match) {
      req.resume();
      throw new NotFound("use POST /webhooks/:source");
    }
    let name: string;
    try {
      name = decodePathSegment(match[1], "webhook source");
    } catch (error) {
      req.resume();
      throw error;
    }
    const rawBody = await readBody(req, deps.limits.maxBodyBytes);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const accepted = await handleTracedWebhook(
      {
        source: name,
        headers,
        rawBody,
        ip: clientAddress(req, deps.trustProxy),
      },
      deps,
    );
    recordWebhook(source, acceptedOutcome(accepted));
    const body = JSON.stringify({ runId: accepted.runId, statusUrl: accepted.statusUrl });
    res.writeHead(202, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  } catch (error) {
    answerWebhookFailure(res, error, source, deps?.log);
  }
}

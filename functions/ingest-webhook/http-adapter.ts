// Adapts functions-framework's request/response to handleWebhook, with errors mapped in one place.
import type { Request, Response } from "express";
import { clientAddress } from "../../platform/http/client-address.ts";
import { decodePathSegment } from "../../platform/http/path-segment.ts";
import { recordWebhook } from "../../platform/metrics/metrics.ts";
import { acceptedOutcome, webhookSourceLabel } from "../../platform/metrics/webhook-outcome.ts";
import { handleWebhook, type IngestDeps } from "./handler.ts";
import { answerWebhookFailure } from "./webhook-failure.ts";

function headerMap(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/**
 * The HTTP function: `POST /webhooks/:source`. functions-framework has read the body, but
 * signatures are checked on `req.rawBody`, the bytes as sent, and the JSON is parsed here.
 * What functions-framework refuses before this runs (a path it cannot decode, a body its
 * parsers reject) is answered by platform/http/framework-errors.ts.
 */
export function ingestHttp(deps: () => Promise<IngestDeps>) {
  return async (req: Request, res: Response): Promise<void> => {
    let d: IngestDeps | undefined;
    let source = "unknown";
    try {
      d = await deps();
      const match = /^\/webhooks\/([^/?#]+)\/?$/.exec(req.path);
      source = webhookSourceLabel(match?.[1], d.sources);
      if (req.method !== "POST" || !match) {
        recordWebhook(source, "not_found");
        res
          .status(404)
          .json({ error: { code: "not_found", message: "use POST /webhooks/:source" } });
        return;
      }
      const rawBody = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
      const accepted = await handleWebhook(
        {
          source: decodePathSegment(match[1], "webhook source"),
          headers: headerMap(req),
          rawBody,
          ip: clientAddress(req, d.trustProxy),
        },
        d,
      );
      recordWebhook(source, acceptedOutcome(accepted));
      res.status(202).json({ runId: accepted.runId, statusUrl: accepted.statusUrl });
    } catch (error) {
      answerWebhookFailure(res, error, source, d?.log);
    }
  };
}

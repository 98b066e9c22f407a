// Adapts functions-framework's request/response to handleWebhook, with errors mapped in one place.
import type { Request, Response } from "express";
import { sendError } from "../../platform/http/send-error.ts";
import { createLogger } from "../../platform/log.ts";
import { recordWebhook } from "../../platform/metrics/metrics.ts";
import {
  acceptedOutcome,
  webhookOutcomeOf,
  webhookSourceLabel,
} from "../../platform/metrics/webhook-outcome.ts";

// Used when the dependencies themselves failed to start (a database down at boot, say).
const fallbackLog = createLogger("ingest-webhook");

import { handleWebhook, type IngestDeps } from "./handler.ts";

function headerMap(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/**
 * The HTTP function: `POST /webhooks/:source`. functions-framework has read the body, but
 * signatures are checked on `req.rawBody`, the bytes as sent, and the JSON is parsed here.
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
          source: decodeURIComponent(match[1]),
          headers: headerMap(req),
          rawBody,
          ip: req.socket.remoteAddress ?? "",
        },
        d,
      );
      recordWebhook(source, acceptedOutcome(accepted));
      res.status(202).json({ runId: accepted.runId, statusUrl: accepted.statusUrl });
    } catch (error) {
      recordWebhook(source, webhookOutcomeOf(error));
      sendError(res, error, (m, f) => (d?.log ?? fallbackLog).error(m, f));
    }
  };
}

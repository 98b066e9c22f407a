// How both webhook adapters answer a failed webhook: counted, answered, and logged at its level.
import type { ServerResponse } from "node:http";
import { isClientAbort, sendError } from "../../platform/http/send-error.ts";
import { createLogger, type Logger } from "../../platform/log.ts";
import { recordWebhook } from "../../platform/metrics/metrics.ts";
import { webhookOutcomeOf } from "../../platform/metrics/webhook-outcome.ts";

// Used when the dependencies themselves failed to start (a database down at boot, say).
const fallbackLog = createLogger("ingest-webhook");

/**
 * Records the outcome and answers `error` (send-error.ts). A client that aborted got no
 * answer, so no outcome is counted and its one log line is at debug.
 */
export function answerWebhookFailure(
  res: ServerResponse,
  error: unknown,
  source: string,
  log: Logger = fallbackLog,
): void {
  if (!isClientAbort(error)) recordWebhook(source, webhookOutcomeOf(error));
  sendError(
    res,
    error,
    (m, f) => log.error(m, f),
    (m, f) => log.debug(m, { ...f, source }),
  );
}

// The headers of a Standard-Webhooks-signed JSON request, for tests that post webhooks.
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";

/**
 * Content type, id, timestamp and signature of `raw` signed with `secret`.
 * @example fetch(`${url}/webhooks/backtest`, { method: "POST", headers: signedHeaders(secret, raw), body: raw })
 */
export function signedHeaders(
  secret: string,
  raw: string,
  id = `msg_${randomUUID()}`,
  at = new Date(),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, raw),
  };
}

// Standard Webhooks signing for k6 scripts: the three headers a sender attaches to a delivery.
//
// Spec: Standard Webhooks v1 (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).
// - The signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`.
// - The MAC is HMAC-SHA256 keyed with the base64-decoded part of the secret after `whsec_`.
// - The header is `webhook-signature: v1,<base64 MAC>`; the timestamp is unix seconds and
//   the receiver refuses one more than 5 minutes away from its clock, so sign just before
//   sending, never ahead of time.
// Test vector (the reference libraries' sign tests; the shared reference platform-facts.md),
// checked by load/sign.test.ts:
//   key whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
//   timestamp 1614265330, body {"test": 2432232314}
//   -> v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
import { hmac } from "k6/crypto";
import { b64decode } from "k6/encoding";

const PREFIX = "whsec_";

/**
 * The HMAC key of a `whsec_...` secret (the prefix is optional, as in the reference
 * libraries). Decode it once per VU, in the init context, not per request.
 * @param {string} secret
 * @returns {ArrayBuffer}
 */
export function webhookKey(secret) {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (encoded.length === 0) throw new Error("the webhook secret is empty");
  return b64decode(encoded, "std");
}

/**
 * The `webhook-signature` value for one delivery.
 * @example sign(webhookKey("whsec_..."), "msg_1", 1614265330, '{"a":1}') // "v1,..."
 * @param {ArrayBuffer} key from webhookKey
 * @param {string} id the webhook-id
 * @param {number} timestamp unix seconds
 * @param {string} body the exact bytes that will be sent
 * @returns {string}
 */
export function sign(key, id, timestamp, body) {
  return `v1,${hmac("sha256", key, `${id}.${timestamp}.${body}`, "base64")}`;
}

/**
 * Headers for a signed JSON delivery. Each delivery needs its own `id`: the receiver takes
 * the id as the idempotency key, so a repeated id is answered from the replay guard and
 * starts nothing.
 * @param {ArrayBuffer} key from webhookKey
 * @param {string} id
 * @param {string} body
 * @param {number} [timestamp] unix seconds, now by default
 * @returns {Record<string, string>}
 */
export function signedHeaders(key, id, body, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(key, id, timestamp, body),
  };
}

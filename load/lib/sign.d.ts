// Types of lib/sign.js for the TypeScript tests that load it under Node (k6 itself reads the .js).

/** The HMAC key of a `whsec_...` secret: its base64-decoded part. */
export function webhookKey(secret: string): ArrayBuffer;

/** The `webhook-signature` value (`v1,<base64>`) for one delivery. */
export function sign(key: ArrayBuffer, id: string, timestamp: number, body: string): string;

/** content-type, webhook-id, webhook-timestamp and webhook-signature for one delivery. */
export function signedHeaders(
  key: ArrayBuffer,
  id: string,
  body: string,
  timestamp?: number,
): Record<string, string>;

// Standard Webhooks headers for the ingest benchmark: each delivery with its own webhook-id.
import { createHmac, randomBytes } from "node:crypto";

/** A fresh `whsec_` secret: 32 random bytes, base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Signed headers for one body, handed out in order, every webhook-id distinct so that the
 * replay guard never short-circuits. The first `pregenerated` are signed up front, since the
 * sender signs, not the server; past them, `next()` signs as it goes and counts it.
 * Signs with node:crypto by the spec: HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed with
 * the base64-decoded secret (standard-webhooks spec v1); the server verifies with the
 * standardwebhooks library, so a 202 proves the two agree.
 */
export class SignedWebhooks {
  readonly #key: Buffer;
  readonly #body: string;
  readonly #prefix = `msg_${randomBytes(6).toString("hex")}_`;
  readonly #ready: Record<string, string>[] = [];
  #next = 0;
  #signedLive = 0;

  constructor(secret: string, body: string, pregenerated: number) {
    this.#key = Buffer.from(secret.slice("whsec_".length), "base64");
    this.#body = body;
    const timestamp = Math.floor(Date.now() / 1000);
    for (let k = 0; k < pregenerated; k++) this.#ready.push(this.#sign(k, timestamp));
  }

  /** Headers for the next delivery. */
  next(): Record<string, string> {
    const k = this.#next++;
    if (k < this.#ready.length) return this.#ready[k];
    this.#signedLive++;
    return this.#sign(k, Math.floor(Date.now() / 1000));
  }

  /** Deliveries handed out, and how many of them were signed live. */
  stats(): { handedOut: number; signedLive: number } {
    return { handedOut: this.#next, signedLive: this.#signedLive };
  }

  #sign(k: number, timestamp: number): Record<string, string> {
    const id = `${this.#prefix}${k}`;
    const mac = createHmac("sha256", this.#key)
      .update(`${id}.${timestamp}.${this.#body}`)
      .digest("base64");
    return {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${mac}`,
    };
  }
}

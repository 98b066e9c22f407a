// The embedded default's webhook secret: WEBHOOK_SECRET, or one generated once under DATA_HOME.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The secret of the `backtest` source, and where it came from. */
export interface WebhookSecret {
  readonly secret: string;
  /**
   * True when the stack made it (now, or on an earlier start, and stored it under DATA_HOME):
   * then only this machine knows it, and the banner shows it. False when it came from
   * WEBHOOK_SECRET: whoever set it knows it, and it is never printed.
   */
  readonly generated: boolean;
}

/** Returns the configured secret, else the stored one, else a new `whsec_` secret it stores. */
export function ensureWebhookSecret(
  configured: string | undefined,
  dataHome: string,
): WebhookSecret {
  if (configured) return { secret: configured, generated: false };
  const file = join(dataHome, "webhook-secret");
  try {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.startsWith("whsec_")) return { secret: stored, generated: true };
  } catch {
    // Not there yet: make one.
  }
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  mkdirSync(dataHome, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true };
}

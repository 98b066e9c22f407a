// The embedded default's webhook secret: WEBHOOK_SECRET, or one generated once under DATA_HOME.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Returns the configured secret, else the stored one, else a new `whsec_` secret it stores. */
export function ensureWebhookSecret(configured: string | undefined, dataHome: string): string {
  if (configured) return configured;
  const file = join(dataHome, "webhook-secret");
  try {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.startsWith("whsec_")) return stored;
  } catch {
    // Not there yet: make one.
  }
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  mkdirSync(dataHome, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

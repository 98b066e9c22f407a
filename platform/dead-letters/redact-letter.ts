// A dead letter as it may be kept: read by people (GET /dead-letters), so without credentials.
import type { DeadLetter } from "../ports.ts";
import { redactText, redactValue } from "../redact.ts";

/** Deep enough for any event we publish; deeper nesting is cut (platform/redact.ts). */
const LETTER_DEPTH = 64;

/**
 * `letter` with credentials taken out of every field and of the event (a callbackUrl's
 * userinfo and query values, bearer tokens, fields named like secrets), including the text
 * that travels base64-encoded: Knative's `knativeerrordata` (the subscriber's answer) and a
 * `data_base64` body that is UTF-8 text. Deterministic and idempotent, so the key of a letter
 * (deadLetterKey) is the same however often it was redacted, in the store and the
 * journal alike. Nothing redrives an event from a kept letter (docs/decisions/0030), so
 * nothing needs the credentials it loses.
 */
export function redactLetter(letter: DeadLetter): DeadLetter {
  const redacted = redactValue(letter, LETTER_DEPTH) as unknown as DeadLetter;
  const event = redacted.event;
  if (event === null || typeof event !== "object" || Array.isArray(event)) return redacted;
  const attributes = { ...(event as Record<string, unknown>) };
  for (const name of ["knativeerrordata", "data_base64"]) {
    const value = attributes[name];
    if (typeof value === "string") attributes[name] = redactBase64Text(value);
  }
  return { ...redacted, event: attributes };
}

/** Base64 of UTF-8 text, redacted and encoded again; anything else (binary data) as it was. */
function redactBase64Text(encoded: string): string {
  const bytes = Buffer.from(encoded, "base64");
  const text = bytes.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(bytes)) return encoded;
  const redacted = redactText(text);
  return redacted === text ? encoded : Buffer.from(redacted, "utf8").toString("base64");
}

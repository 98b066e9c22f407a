// The one constant-time comparison of secrets (tokens, signatures) in the code base.
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string | Uint8Array) => createHash("sha256").update(value).digest();

/**
 * Whether `given` equals `expected`, in time that depends on neither value nor length: both
 * are hashed to 32 bytes first, then compared with `timingSafeEqual`. Comparing lengths first
 * (the usual shortcut) tells an attacker the secret's length.
 *
 * @example sameSecret(req.headers.authorization ?? "", `Bearer ${token}`)
 */
export function sameSecret(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

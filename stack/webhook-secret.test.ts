// The webhook secret says whether the stack made it: only then may the banner show it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";
import { ensureWebhookSecret } from "./webhook-secret.ts";

const CONFIGURED = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("ensureWebhookSecret", () => {
  it("uses WEBHOOK_SECRET as configured, stores nothing, and says it was not generated", () => {
    const home = tempDir("zixly-secret-");
    expect(ensureWebhookSecret(CONFIGURED, home)).toEqual({ secret: CONFIGURED, generated: false });
    expect(() => readFileSync(join(home, "webhook-secret"))).toThrow();
  });

  it("generates one, stores it, and hands the same back on the next start, as generated both times", () => {
    const home = tempDir("zixly-secret-");
    const first = ensureWebhookSecret(undefined, home);
    expect(first.generated).toBe(true);
    expect(first.secret).toMatch(/^whsec_/);
    expect(readFileSync(join(home, "webhook-secret"), "utf8").trim()).toBe(first.secret);
    expect(ensureWebhookSecret(undefined, home)).toEqual(first);
  });
});

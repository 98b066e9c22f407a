// The banner shows a secret only when the stack made it, never the API token, and says when insecure URLs are on.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../platform/config.ts";
import { type BannerStack, banner } from "./banner.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const API_TOKEN = "api-token-0123456789abcdef";

function stackWith(env: Record<string, string>, secretGenerated: boolean): BannerStack {
  return {
    url: "http://localhost:8080",
    secret: SECRET,
    secretGenerated,
    context: {
      config: loadConfig(env),
      adapters: {
        kinds: { database: "pglite", cache: "memory" },
      } as BannerStack["context"]["adapters"],
    },
  };
}

describe("banner", () => {
  it("prints a generated secret, and a signed curl example", () => {
    const text = banner(stackWith({}, true));
    expect(text).toContain(`secret    ${SECRET}`);
    expect(text).toContain(`--secret '${SECRET}'`);
    expect(text).toContain("webhook-signature: v1,");
  });

  it("never prints a secret from WEBHOOK_SECRET, nor a signature made with it, nor the API token", () => {
    const text = banner(stackWith({ WEBHOOK_SECRET: SECRET, API_TOKEN }, false));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice("whsec_".length));
    expect(text).not.toContain(API_TOKEN);
    expect(text).not.toContain("webhook-signature");
    expect(text).toContain("secret    from WEBHOOK_SECRET (not shown)");
    expect(text).toContain('--secret "$WEBHOOK_SECRET" --token "$API_TOKEN"');
  });

  it("says when npm start turned insecure URLs on, and how to turn them off", () => {
    const text = banner(stackWith({ ALLOW_INSECURE_URLS: "true" }, true), {
      insecureUrlsByDefault: true,
    });
    expect(text).toMatch(/ALLOW_INSECURE_URLS\s+was not set, so npm start allows them/);
    expect(text).toContain("set ALLOW_INSECURE_URLS=false to refuse them");
  });

  it("says nothing of insecure URLs when they are off, and no default when they were set on", () => {
    expect(banner(stackWith({ ALLOW_INSECURE_URLS: "false" }, true))).not.toContain(
      "ALLOW_INSECURE_URLS",
    );
    const set = banner(stackWith({ ALLOW_INSECURE_URLS: "true" }, true));
    expect(set).toContain("private addresses (ALLOW_INSECURE_URLS)");
    expect(set).not.toContain("npm start allows them");
  });
});

// Address settings are checked at boot: a bad allowIps entry or TRUSTED_PROXIES stops the process there.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const tokenSource = (allowIps: string[]) =>
  JSON.stringify({ tv: { auth: "token", token: "tv-shared-token-0123456789", allowIps } });

describe("loadConfig: client addresses", () => {
  it("takes allowIps addresses and CIDR ranges, and a TRUSTED_PROXIES list", () => {
    const config = loadConfig({
      WEBHOOK_SOURCES: tokenSource(["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]),
      TRUSTED_PROXIES: "loopback, 10.244.0.0/16",
    });
    expect(config.WEBHOOK_SOURCES.tv).toMatchObject({
      allowIps: ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"],
    });
    expect(config.TRUSTED_PROXIES).toBe("loopback, 10.244.0.0/16");
    expect(loadConfig({}).TRUSTED_PROXIES).toBe("");
  });

  it("refuses an allowIps entry that is not an address or a CIDR range", () => {
    expect(() =>
      loadConfig({ WEBHOOK_SOURCES: tokenSource(["203.0.113.0/24", "office"]) }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_SOURCES: tokenSource(["10.0.0.0/40"]) })).toThrow(
      /WEBHOOK_SOURCES[\s\S]*allowIps[\s\S]*IP address or a CIDR range/,
    );
  });

  it("refuses TRUSTED_PROXIES with an entry proxy-addr cannot read, naming it", () => {
    expect(() => loadConfig({ TRUSTED_PROXIES: "loopback, kourier" })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUSTED_PROXIES: "loopback, kourier" })).toThrow(
      /TRUSTED_PROXIES.*kourier/,
    );
  });
});

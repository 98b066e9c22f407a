// npm start allows insecure URLs for local development only while ALLOW_INSECURE_URLS is not set.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../platform/config.ts";
import { stackConfig } from "./stack-config.ts";

describe("stackConfig", () => {
  it("turns ALLOW_INSECURE_URLS on when it is not set, or set empty, and says it did", () => {
    for (const env of [{}, { ALLOW_INSECURE_URLS: "" }]) {
      const { config, insecureUrlsByDefault } = stackConfig(env);
      expect(config.ALLOW_INSECURE_URLS).toBe(true);
      expect(insecureUrlsByDefault).toBe(true);
    }
  });

  it("respects ALLOW_INSECURE_URLS when it is set, either way", () => {
    expect(stackConfig({ ALLOW_INSECURE_URLS: "false" })).toMatchObject({
      config: { ALLOW_INSECURE_URLS: false },
      insecureUrlsByDefault: false,
    });
    expect(stackConfig({ ALLOW_INSECURE_URLS: "true" })).toMatchObject({
      config: { ALLOW_INSECURE_URLS: true },
      insecureUrlsByDefault: false,
    });
  });

  it("refuses bad configuration as loadConfig does", () => {
    expect(() => stackConfig({ ALLOW_INSECURE_URLS: "maybe" })).toThrow(ConfigError);
  });
});

// The broker's Authorization header from configuration: a literal token, or a file re-read as it rotates.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { ConfigError } from "../config.ts";
import { brokerAuthorization, credentialsOf, TOKEN_FILE_CACHE_MS } from "./broker-credentials.ts";

const TOKEN = "t".repeat(40);

describe("brokerAuthorization", () => {
  it("is undefined without credentials: nothing is sent", () => {
    expect(brokerAuthorization({})).toBeUndefined();
    expect(brokerAuthorization(credentialsOf({}))).toBeUndefined();
  });

  it("sends BROKER_TOKEN as a bearer token", async () => {
    const auth = brokerAuthorization(credentialsOf({ BROKER_TOKEN: TOKEN }));
    expect(await auth?.()).toBe(`Bearer ${TOKEN}`);
  });

  it("refuses both kinds at once, and a token a header cannot carry", () => {
    expect(() => brokerAuthorization({ token: TOKEN, tokenFile: "/x" })).toThrow(ConfigError);
    expect(() => brokerAuthorization({ token: `${TOKEN} x` })).toThrow(ConfigError);
  });

  it("reads the token file trimmed, keeps it for a minute, then reads the rotated one", async () => {
    const file = join(tempDir("broker-token-"), "token");
    writeFileSync(file, "first-token\n");
    let now = 1_000;
    const auth = brokerAuthorization({ tokenFile: file }, { now: () => now })!;
    expect(await auth()).toBe("Bearer first-token");
    writeFileSync(file, "second-token");
    now += TOKEN_FILE_CACHE_MS - 1;
    expect(await auth()).toBe("Bearer first-token");
    now += 1;
    expect(await auth()).toBe("Bearer second-token");
    expect(TOKEN_FILE_CACHE_MS).toBeLessThanOrEqual(60_000);
  });

  it("fails the publish on a missing, empty or garbled file, without quoting its content", async () => {
    const dir = tempDir("broker-token-");
    const file = join(dir, "token");
    const auth = brokerAuthorization({ tokenFile: file }, { cacheMs: 0 })!;
    await expect(auth()).rejects.toThrow(/ENOENT/);
    writeFileSync(file, "  \n");
    await expect(auth()).rejects.toThrow(/is empty/);
    writeFileSync(file, "secret-part\nsecond-line");
    const error = await Promise.resolve(auth()).catch((e: unknown) => e);
    expect(String(error)).toMatch(/characters a token cannot have/);
    expect(String(error)).not.toContain("secret-part");
    // Written at last, it is picked up by the next publish.
    writeFileSync(file, "late-token");
    expect(await auth()).toBe("Bearer late-token");
  });
});

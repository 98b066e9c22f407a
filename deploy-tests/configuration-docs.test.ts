// docs/configuration.md documents every database setting platform/config.ts parses, with its default.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigSchema, loadConfig } from "../platform/config.ts";
import { repoPath } from "./render.ts";

describe("docs/configuration.md", () => {
  const doc = readFileSync(repoPath("docs/configuration.md"), "utf8");
  const rows = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` +\| ([^|]+?) +\|/gm)].map((m) => [m[1], m[2]]),
  );

  it("has a row for every DATABASE_ setting, and for nothing the config does not parse", () => {
    const keys = Object.keys(ConfigSchema.shape).filter((k) => k.startsWith("DATABASE_"));
    expect([...rows.keys()].sort()).toEqual(keys.sort());
  });

  it("states the defaults loadConfig applies", () => {
    const defaults = loadConfig({});
    expect(rows.get("DATABASE_POOL_MAX")).toBe(String(defaults.DATABASE_POOL_MAX));
    expect(defaults.DATABASE_CA_FILE).toBeUndefined();
    expect(rows.get("DATABASE_CA_FILE")).toMatch(/^unset/);
    expect(defaults.DATABASE_PASSWORD_FILE).toBeUndefined();
    expect(rows.get("DATABASE_PASSWORD_FILE")).toMatch(/^unset/);
  });
});

// The logger's levels, its line format, and the redaction no call site can skip.
import { describe, expect, it } from "vitest";
import { createLogger, type LoggerOptions, levelFromEnv } from "./log.ts";

function capture(options: Omit<LoggerOptions, "write"> = {}) {
  const lines: string[] = [];
  const log = createLogger("test", { app: "zixly" }, { ...options, write: (l) => lines.push(l) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("createLogger", () => {
  it("writes one JSON line per call with time, level, component, message and fields", () => {
    const { log, lines, parsed } = capture({ level: "info" });
    log.child({ runId: "run_1" }).warn("slow", { ms: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(parsed()[0]).toMatchObject({
      level: "warn",
      component: "test",
      message: "slow",
      app: "zixly",
      runId: "run_1",
      ms: 12,
    });
  });

  it("drops debug lines at the default level and shows them at debug; silent mutes all", () => {
    const info = capture({ level: "info" });
    info.log.debug("hidden");
    info.log.info("shown");
    expect(info.parsed().map((l) => l.message)).toEqual(["shown"]);

    const debug = capture({ level: "debug" });
    debug.log.child({}).debug("shown");
    expect(debug.parsed().map((l) => [l.level, l.message])).toEqual([["debug", "shown"]]);

    const silent = capture({ level: "silent" });
    silent.log.error("never");
    expect(silent.lines).toEqual([]);
  });

  it("reads LOG_LEVEL, any case, and falls back to info", () => {
    expect(levelFromEnv({ LOG_LEVEL: "DEBUG" })).toBe("debug");
    expect(levelFromEnv({ LOG_LEVEL: "silent" })).toBe("silent");
    expect(levelFromEnv({ LOG_LEVEL: "verbose" })).toBe("info");
    expect(levelFromEnv({})).toBe("info");
  });

  it("redacts the message, string fields at any depth, child fields and credential-named fields", () => {
    const { log, lines } = capture({ level: "info" });
    log
      .child({ callbackUrl: "http://user:pa55word@127.0.0.1:9/cb?token=t0ken-value" })
      .error("callback to http://user:pa55word@127.0.0.1:9/cb?token=t0ken-value failed", {
        error: new Error("fetch https://u:hunter2@example.com/?sig=abc failed"),
        request: { headers: { authorization: "Bearer s3cr3t-api-token" } },
        apiToken: "s3cr3t-api-token",
      });
    const text = lines.join("");
    for (const secret of ["pa55word", "t0ken-value", "hunter2", "sig=abc", "s3cr3t-api-token"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("http://***@127.0.0.1:9/cb?token=***");
  });
});

// The Job command the local launcher runs: tsx from source, plain node once compiled.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultJobCommand } from "./local-job-launcher.ts";

describe("defaultJobCommand", () => {
  it("runs backtest-job/main.ts through tsx from source", () => {
    const { file, args } = defaultJobCommand();
    expect(file).toBe(process.execPath);
    expect(args[0]).toBe("--import");
    expect(args.at(-1)).toMatch(/backtest-job\/main\.ts$/);
    expect(existsSync(args.at(-1)!)).toBe(true);
  });

  const dist = fileURLToPath(
    new URL("../../dist/platform/launchers/local-job-launcher.js", import.meta.url),
  );
  it.skipIf(!existsSync(dist))(
    "runs dist/backtest-job/main.js with plain node once compiled",
    () => {
      const out = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { defaultJobCommand } from ${JSON.stringify(dist)}; console.log(JSON.stringify(defaultJobCommand()));`,
        ],
        { encoding: "utf8" },
      );
      const { args } = JSON.parse(out) as { args: string[] };
      expect(args).toHaveLength(1);
      expect(args[0]).toMatch(/dist\/backtest-job\/main\.js$/);
    },
  );
});

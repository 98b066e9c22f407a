// `zixly help`: usage lists every strategy with its parameters, and each one's description.
import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../engine/strategies/index.ts";
import { runCli } from "./test-support/run-cli.ts";
import { parameterNames } from "./usage.ts";

describe("help", () => {
  it.each([[[]], [["help"]], [["--help"]], [["backtest", "--help"]]])(
    "%j prints usage with every strategy and its parameters, exit 0",
    async (argv) => {
      const { code, stdout, stderr } = await runCli(argv);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toContain("synthetic:BARS:SEED");
      for (const s of STRATEGIES) {
        expect(stdout).toMatch(new RegExp(`^ +${s.name} +${parameterNames(s).join(", ")}$`, "m"));
      }
    },
  );

  it("help strategies prints each strategy's description", async () => {
    const { code, stdout } = await runCli(["help", "strategies"]);
    expect(code).toBe(0);
    const flat = stdout.replace(/\s+/g, " ");
    for (const s of STRATEGIES) expect(flat).toContain(s.description.replace(/\s+/g, " "));
  });
});

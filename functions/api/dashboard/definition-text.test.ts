// The dashboard's definition renderer is the engine's, types stripped, and loads on its own.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as engine from "../../../backtest-job/engine/definition/describe-definition.ts";
import { canonicalJs, definitionTextModule, TARGET } from "./definition-text-module.ts";

describe("assets/definition-text.js", () => {
  it("is describe-definition.ts with its types stripped (else: regenerate it)", async () => {
    const committed = await readFile(TARGET, "utf8");
    expect(
      await canonicalJs(committed),
      "run `npx tsx functions/api/dashboard/definition-text-module.ts`",
    ).toBe(await canonicalJs(await definitionTextModule()));
  });

  it("imports nothing, so the page loads it as it is", async () => {
    const committed = await readFile(TARGET, "utf8");
    expect(committed).not.toMatch(/^\s*import\b|\bimport\s*\(/m);
  });

  it("renders as the CLI does", async () => {
    const page = (await import(pathToFileURL(TARGET).href)) as typeof engine;
    expect(Object.keys(page).sort()).toEqual(Object.keys(engine).sort());
    const definition = {
      name: "<b>mixed</b>",
      parameters: { fast: { integer: true, min: 1 }, frac: { min: 0, minExclusive: true } },
      constraints: [{ left: "fast", op: "<", right: "slow" }],
      series: { trend: { ema: { period: 50 } } },
      entry: {
        long: {
          and: [
            { crossesAbove: [{ sma: { period: { param: "fast" } } }, "trend"] },
            { not: { heldFor: { bars: 3, condition: { "<": [{ rsi: { period: 14 } }, 30] } } } },
          ],
        },
      },
      exit: {
        short: {
          ">=": [{ previous: "close", bars: 2 }, { macd: { fast: 1, slow: 2, line: "macd" } }],
        },
      },
      size: 0.3,
      stopLoss: { percent: 2 },
      takeProfit: { atr: 10, multiple: 3 },
    };
    const values = { fast: 7, frac: 0.5 };
    expect(page.describeDefinition(definition, values)).toEqual(
      engine.describeDefinition(definition, values),
    );
    expect(page.describeDefinition(definition, values).rules[0].text).toBe(
      "SMA(fast) crosses above trend and not (RSI(14) < 30 for the last 3 bars)",
    );
  });
});

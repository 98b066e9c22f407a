// A definition as the CLI prints it: every part on its own line, nothing that drives a terminal.
import { describe, expect, it } from "vitest";
import { definitionDetails, printable } from "./definition-details.ts";

describe("definitionDetails", () => {
  it("prints name, description, rules, series, parameters and orders, aligned", () => {
    const text = definitionDetails(
      {
        name: "rsi-dip",
        description: "Buys dips.",
        parameters: { level: { min: 0, max: 100 }, hold: { integer: true, min: 1 } },
        series: { r: { rsi: { period: 14 } } },
        entry: {
          long: {
            heldFor: { bars: { param: "hold" }, condition: { "<": ["r", { param: "level" }] } },
          },
          short: { not: { "<": ["r", 70] } },
        },
        exit: { short: { crossesBelow: ["r", 50] } },
      },
      { level: 30, hold: 2 },
    );
    expect(text).toBe(
      [
        "definition   rsi-dip",
        "description  Buys dips.",
        "entry.long   r < level for the last hold bars",
        "entry.short  not (r < 70)",
        "exit.short   r crosses below 50",
        "series.r     RSI(14)",
        "param.level  30  (>= 0, <= 100)",
        "param.hold   2  (integer, >= 1)",
        "size         all-in",
        "stopLoss     none",
        "takeProfit   none",
        "",
      ].join("\n"),
    );
  });

  it("a parameter without a value shows -", () => {
    const text = definitionDetails({
      parameters: { k: {} },
      entry: { long: { ">": ["close", "k"] } },
    });
    expect(text).toMatch(/^param\.k +- {2}\(any number\)$/m);
    expect(text).toMatch(/^definition +-$/m);
  });

  it.each([undefined, null, "sma-crossover", [1]])("prints nothing for %j", (definition) => {
    expect(definitionDetails(definition)).toBe("");
  });

  it("shows control characters in a name or description as U+FFFD, line breaks as spaces", () => {
    const text = definitionDetails({
      name: "x\u001b[2Jy",
      description: "one\ntwo\r\n\u009bthree",
      entry: { long: { ">": ["close\u0007", 1] } },
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: none may reach the terminal
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain("definition   x\uFFFD[2Jy\n");
    expect(text).toContain("description  one two  \uFFFDthree\n");
    expect(text).toContain("entry.long   close\uFFFD > 1\n");
  });

  it("printable keeps ordinary text, markup included", () => {
    expect(printable("<b>SMA × 2</b> ≥ 5%")).toBe("<b>SMA × 2</b> ≥ 5%");
  });
});

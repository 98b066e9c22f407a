// Every node kind of the definition language as text, and whole definitions as the CLI and dashboard show them.
import { describe, expect, it } from "vitest";
import {
  condText,
  describeDefinition,
  exprText,
  levelText,
  numText,
  sizeText,
} from "./describe-definition.ts";
import { DefinitionSchema } from "./schema.ts";

describe("numText", () => {
  it.each([
    [20, "20"],
    [0.5, "0.5"],
    [-1.25, "-1.25"],
    [{ param: "fast" }, "fast"],
  ])("%j reads %s", (value, text) => expect(numText(value)).toBe(text));
});

describe("exprText", () => {
  it.each([
    ["price fields and named series by name", "close", "close"],
    ["a named series", "fastMa", "fastMa"],
    ["a constant", 30, "30"],
    ["a parameter as a constant", { param: "level" }, "level"],
    ["SMA of a parameter", { sma: { period: { param: "fast" } } }, "SMA(fast)"],
    ["EMA of a literal", { ema: { period: 12 } }, "EMA(12)"],
    ["RSI", { rsi: { period: 14 } }, "RSI(14)"],
    ["ATR", { atr: { period: { param: "n" } } }, "ATR(n)"],
    [
      "a Bollinger band",
      { bollinger: { period: 20, stdDev: { param: "k" }, band: "upper" } },
      "upper Bollinger(20, k)",
    ],
    [
      "the Bollinger middle",
      { bollinger: { period: { param: "p" }, stdDev: 2.5, band: "middle" } },
      "middle Bollinger(p, 2.5)",
    ],
    ["the MACD line, no signal", { macd: { fast: 12, slow: 26, line: "macd" } }, "MACD(12, 26)"],
    [
      "the MACD line with a signal",
      { macd: { fast: 12, slow: 26, signal: 9, line: "macd" } },
      "MACD(12, 26, 9)",
    ],
    [
      "the MACD signal line",
      { macd: { fast: { param: "f" }, slow: { param: "s" }, signal: 9, line: "signal" } },
      "MACD signal(f, s, 9)",
    ],
    [
      "the MACD histogram",
      { macd: { fast: 12, slow: 26, signal: { param: "sig" }, line: "histogram" } },
      "MACD histogram(12, 26, sig)",
    ],
    ["a Donchian band", { donchian: { period: 20, band: "lower" } }, "lower Donchian(20)"],
    ["previous, one bar by default", { previous: "close" }, "close 1 bar ago"],
    ["previous, a literal 1 is one bar", { previous: "high", bars: 1 }, "high 1 bar ago"],
    ["previous with bars", { previous: { sma: { period: 5 } }, bars: 3 }, "SMA(5) 3 bars ago"],
    [
      "previous with a parameter's bars",
      { previous: "close", bars: { param: "lag" } },
      "close lag bars ago",
    ],
    [
      "previous of previous, in parentheses",
      { previous: { previous: "close", bars: 2 }, bars: 3 },
      "(close 2 bars ago) 3 bars ago",
    ],
    [
      "previous of a band",
      { previous: { donchian: { period: 20, band: "upper" } } },
      "upper Donchian(20) 1 bar ago",
    ],
  ])("%s", (_, expr, text) => {
    // Each case is a legal series: the text is for definitions that passed the schema.
    expect(DefinitionSchema.safeParse({ entry: { long: { ">": [expr, 0] } } }).success).toBe(true);
    expect(exprText(expr)).toBe(text);
  });

  it.each([
    ["an unknown kind", { wma: { period: 5 } }, '{"wma":{"period":5}}'],
    [
      "two kinds in one node",
      { sma: { period: 5 }, ema: { period: 5 } },
      '{"sma":{"period":5},"ema":{"period":5}}',
    ],
    ["an indicator without arguments", { sma: 5 }, '{"sma":5}'],
    ["a band missing", { donchian: { period: 5 } }, '{"donchian":{"period":5}}'],
    ["null", null, "null"],
  ])("shows %s as its JSON, not a guess", (_, expr, text) => {
    expect(exprText(expr)).toBe(text);
  });
});

const fastMa = { sma: { period: { param: "fast" } } };
const slowMa = { sma: { period: { param: "slow" } } };
const rsiBelow30 = { "<": [{ rsi: { period: 14 } }, 30] };
const closeAboveMa = { ">": ["close", "trend"] };

describe("condText", () => {
  it.each([
    ["crossesAbove", { crossesAbove: [fastMa, slowMa] }, "SMA(fast) crosses above SMA(slow)"],
    ["crossesBelow", { crossesBelow: ["fastMa", "slowMa"] }, "fastMa crosses below slowMa"],
    ["<", { "<": ["close", 100] }, "close < 100"],
    ["<=", { "<=": [{ rsi: { period: 14 } }, { param: "oversold" }] }, "RSI(14) <= oversold"],
    [">", closeAboveMa, "close > trend"],
    [">=", { ">=": ["volume", { previous: "volume" }] }, "volume >= volume 1 bar ago"],
    ["and", { and: [rsiBelow30, closeAboveMa] }, "RSI(14) < 30 and close > trend"],
    [
      "or of three",
      { or: [rsiBelow30, closeAboveMa, { crossesAbove: ["close", 50] }] },
      "RSI(14) < 30 or close > trend or close crosses above 50",
    ],
    ["not of a comparison", { not: rsiBelow30 }, "not (RSI(14) < 30)"],
    [
      "not of an and",
      { not: { and: [rsiBelow30, closeAboveMa] } },
      "not (RSI(14) < 30 and close > trend)",
    ],
    [
      "and inside or, in parentheses",
      { or: [{ and: [rsiBelow30, closeAboveMa] }, { crossesBelow: ["close", "trend"] }] },
      "(RSI(14) < 30 and close > trend) or close crosses below trend",
    ],
    [
      "or inside and, and an and inside an and: each in parentheses",
      {
        and: [
          { or: [rsiBelow30, closeAboveMa] },
          { and: [{ not: closeAboveMa }, { ">": ["high", 1] }] },
        ],
      },
      "(RSI(14) < 30 or close > trend) and (not (close > trend) and high > 1)",
    ],
    [
      "heldFor",
      { heldFor: { bars: 3, condition: closeAboveMa } },
      "close > trend for the last 3 bars",
    ],
    [
      "heldFor of one bar, and of a parameter",
      {
        and: [
          { heldFor: { bars: 1, condition: rsiBelow30 } },
          { heldFor: { bars: { param: "hold" }, condition: closeAboveMa } },
        ],
      },
      "(RSI(14) < 30 for the last 1 bar) and (close > trend for the last hold bars)",
    ],
    [
      "heldFor of an or",
      { heldFor: { bars: 2, condition: { or: [rsiBelow30, closeAboveMa] } } },
      "(RSI(14) < 30 or close > trend) for the last 2 bars",
    ],
    [
      "not of a heldFor",
      { not: { heldFor: { bars: 2, condition: rsiBelow30 } } },
      "not (RSI(14) < 30 for the last 2 bars)",
    ],
  ])("%s", (_, cond, text) => {
    const legal = DefinitionSchema.safeParse({ entry: { long: cond } });
    expect(legal.success, JSON.stringify(legal.error?.issues)).toBe(true);
    expect(condText(cond)).toBe(text);
  });

  it.each([
    ["an unknown kind", { crosses: ["a", "b"] }, '{"crosses":["a","b"]}'],
    ["a comparison of three", { "<": [1, 2, 3] }, '{"<":[1,2,3]}'],
    ["an empty object", {}, "{}"],
  ])("shows %s as its JSON", (_, cond, text) => {
    expect(condText(cond)).toBe(text);
  });
});

describe("levelText and sizeText", () => {
  it.each([
    [{ percent: 5 }, "5% from the signal bar's close"],
    [{ percent: { param: "stop" } }, "stop% from the signal bar's close"],
    [{ atr: 14, multiple: 2 }, "2 × ATR(14) from the signal bar's close"],
    [{ atr: { param: "n" }, multiple: { param: "m" } }, "m × ATR(n) from the signal bar's close"],
    [{ percent: 5, atr: 14 }, '{"percent":5,"atr":14}'],
  ])("level %j", (level, text) => expect(levelText(level)).toBe(text));

  it.each([
    [undefined, "all-in"],
    [1, "all-in"],
    [0.5, "50% of available margin"],
    [0.07, "7% of available margin"],
    [0.125, "12.5% of available margin"],
    [{ param: "size" }, "size of available margin"],
  ])("size %j", (size, text) => expect(sizeText(size)).toBe(text));
});

describe("describeDefinition", () => {
  it("reads the built-in SMA crossover with the run's values", () => {
    const definition = {
      name: "sma-crossover",
      parameters: {
        fast: { integer: true, min: 1, max: 10000 },
        slow: { integer: true, min: 2, max: 10000 },
      },
      constraints: [{ left: "fast", op: "<", right: "slow" }],
      series: { fastMa, slowMa },
      entry: {
        long: { crossesAbove: ["fastMa", "slowMa"] },
        short: { crossesBelow: ["fastMa", "slowMa"] },
      },
    };
    expect(DefinitionSchema.safeParse(definition).success).toBe(true);
    expect(describeDefinition(definition, { fast: 10, slow: 30 })).toEqual({
      name: "sma-crossover",
      description: null,
      rules: [
        { rule: "entry", side: "long", text: "fastMa crosses above slowMa" },
        { rule: "entry", side: "short", text: "fastMa crosses below slowMa" },
      ],
      series: [
        { name: "fastMa", text: "SMA(fast)" },
        { name: "slowMa", text: "SMA(slow)" },
      ],
      parameters: [
        { name: "fast", value: 10, bounds: "integer, >= 1, <= 10000" },
        { name: "slow", value: 30, bounds: "integer, >= 2, <= 10000" },
      ],
      constraints: ["fast < slow"],
      size: "all-in",
      stopLoss: null,
      takeProfit: null,
    });
  });

  it("reads orders, exits and bounds of every kind; a value it was not given is null", () => {
    const definition = {
      name: "sma-cross-atr-stop",
      description: "Trend with an ATR stop.",
      parameters: {
        fast: { integer: true, min: 1 },
        frac: { min: 0, minExclusive: true, max: 1 },
        k: { max: 5, maxExclusive: true },
        free: {},
      },
      entry: { short: { crossesBelow: [fastMa, 100] } },
      exit: {
        long: { "<": ["close", { previous: { donchian: { period: 20, band: "lower" } } }] },
        short: { ">": ["close", { previous: { donchian: { period: 20, band: "upper" } } }] },
      },
      size: { param: "frac" },
      stopLoss: { atr: 14, multiple: { param: "k" } },
      takeProfit: { percent: 6 },
    };
    expect(DefinitionSchema.safeParse(definition).success).toBe(true);
    const text = describeDefinition(definition, { fast: 5, frac: 0.25, k: 2 });
    expect(text.rules).toEqual([
      { rule: "entry", side: "short", text: "SMA(fast) crosses below 100" },
      { rule: "exit", side: "long", text: "close < lower Donchian(20) 1 bar ago" },
      { rule: "exit", side: "short", text: "close > upper Donchian(20) 1 bar ago" },
    ]);
    expect(text.parameters).toEqual([
      { name: "fast", value: 5, bounds: "integer, >= 1" },
      { name: "frac", value: 0.25, bounds: "> 0, <= 1" },
      { name: "k", value: 2, bounds: "< 5" },
      { name: "free", value: null, bounds: "any number" },
    ]);
    expect(text).toMatchObject({
      description: "Trend with an ATR stop.",
      series: [],
      constraints: [],
      size: "frac of available margin",
      stopLoss: "k × ATR(14) from the signal bar's close",
      takeProfit: "6% from the signal bar's close",
    });
  });

  it("keeps markup in a name or description as the characters it is", () => {
    const text = describeDefinition({
      name: "<script>alert(1)</script>",
      description: '<img src=x onerror="alert(2)">',
      entry: { long: { ">": ["close", 1] } },
    });
    expect([text.name, text.description]).toEqual([
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(2)">',
    ]);
  });

  it("reads anything without throwing: a non-object is an empty definition", () => {
    for (const value of [null, 3, "x", [], { entry: 5, parameters: [1], constraints: [7] }]) {
      expect(() => describeDefinition(value)).not.toThrow();
    }
    expect(describeDefinition({ constraints: [{ left: "a" }] }).constraints).toEqual([
      '{"left":"a"}',
    ]);
  });
});

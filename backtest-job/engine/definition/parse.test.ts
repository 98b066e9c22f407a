// parseDefinition: every kind of malformed definition is refused with its path; good ones resolve.
import { describe, expect, it } from "vitest";
import { InvalidDefinition } from "../errors.ts";
import { parseDefinition } from "./parse.ts";
import { MAX_DEPTH, MAX_NODES, MAX_PARAMETERS } from "./schema.ts";

const SMA = {
  name: "sma-crossover",
  parameters: {
    fast: { integer: true, min: 1, max: 10_000 },
    slow: { integer: true, min: 2, max: 10_000 },
  },
  constraints: [{ left: "fast", op: "<", right: "slow" }],
  series: {
    fastMa: { sma: { period: { param: "fast" } } },
    slowMa: { sma: { period: { param: "slow" } } },
  },
  entry: {
    long: { crossesAbove: ["fastMa", "slowMa"] },
    short: { crossesBelow: ["fastMa", "slowMa"] },
  },
};

/** The issues a definition is refused with, as `path: message` lines. */
function refusal(raw: unknown): string[] {
  try {
    parseDefinition(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDefinition);
    return (error as InvalidDefinition).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("the definition was accepted");
}

const withLong = (long: unknown) => ({ ...SMA, entry: { long } });
const nest = (depth: number) => {
  let c: unknown = { "<": ["close", 1] };
  for (let k = 0; k < depth; k++) c = { not: c };
  return c;
};

describe("parseDefinition", () => {
  it("resolves the SMA crossover: names, crossesBelow as a swapped crossesAbove, bounds", () => {
    const parsed = parseDefinition(SMA);
    expect(parsed.parameters.map((p) => [p.name, p.integer, p.min, p.max])).toEqual([
      ["fast", true, 1, 10_000],
      ["slow", true, 2, 10_000],
    ]);
    expect(parsed.entryLong).toEqual({
      kind: "crossesAbove",
      left: { kind: "named", name: "fastMa" },
      right: { kind: "named", name: "slowMa" },
    });
    expect(parsed.entryShort).toEqual({
      kind: "crossesAbove",
      left: { kind: "named", name: "slowMa" },
      right: { kind: "named", name: "fastMa" },
    });
    expect(parsed.size).toEqual({ kind: "number", value: 1 });
    expect(parsed.source).toEqual(SMA);
  });

  it("narrows a parameter's declared bounds by its uses: a period is a whole number <= 10000", () => {
    const parsed = parseDefinition({
      parameters: { n: {}, k: { max: 50 } },
      entry: { long: { ">": [{ sma: { period: { param: "n" } } }, { param: "k" }] } },
      size: 0.5,
      stopLoss: { atr: 14, multiple: 2 },
    });
    const [n, k] = parsed.parameters;
    expect(n).toMatchObject({ integer: true, min: 1, max: 10_000 });
    expect(k).toMatchObject({ integer: false, max: 50 });
    expect(parsed.stopLoss).toEqual({
      kind: "atr",
      period: { kind: "number", value: 14 },
      multiple: { kind: "number", value: 2 },
    });
  });

  it.each([
    ["not an object", "x", [": Invalid input: expected object, received string"]],
    ["an array", [SMA], [": Invalid input: expected object, received array"]],
    [
      "a parameter name that is not an identifier",
      { ...SMA, parameters: { ...SMA.parameters, "9x": {} } },
      ["parameters.9x: names are letters, digits and _, 1 to 32, not a digit first"],
    ],
    ["an unknown top-level key", { ...SMA, extra: 1 }, [': unknown key "extra"']],
    ["no entry rule", { ...SMA, entry: {} }, ["entry: give long, short or both"]],
    ["an unknown condition", withLong({ lt: ["close", 1] }), ['entry.long: unknown key "lt"']],
    [
      "two kinds in one condition",
      withLong({ "<": ["close", 1], ">": ["close", 2] }),
      [
        "entry.long: a condition has exactly one of crossesAbove, crossesBelow, <, <=, >, >=, and, or, not, heldFor; got < and >",
      ],
    ],
    [
      "an empty condition",
      withLong({}),
      [expect.stringMatching(/^entry\.long: a condition needs one of/)],
    ],
    [
      "and of one",
      withLong({ and: [{ "<": ["close", 1] }] }),
      ["entry.long.and: needs at least 2 conditions"],
    ],
    [
      "a pair of three",
      withLong({ "<": ["close", 1, 2] }),
      [expect.stringMatching(/^entry\.long\.<: /)],
    ],
    [
      "an unknown series name",
      withLong({ crossesAbove: ["fastMa", "nope"] }),
      [
        'entry.long.crossesAbove.1: "nope" is neither a price field (open, high, low, close, volume) nor a series defined above',
      ],
    ],
    [
      "an unknown indicator",
      withLong({ "<": ["close", { smaa: { period: 3 } }] }),
      ['entry.long.<.1: unknown key "smaa"'],
    ],
    [
      "a period of 0",
      withLong({ "<": ["close", { sma: { period: 0 } }] }),
      ["entry.long.<.1.sma.period: 0 is not a period (a whole number from 1 to 10000)"],
    ],
    [
      "a fractional period",
      withLong({ "<": ["close", { ema: { period: 2.5 } }] }),
      ["entry.long.<.1.ema.period: 2.5 is not a period (a whole number from 1 to 10000)"],
    ],
    [
      "a lookback too long",
      withLong({ heldFor: { bars: 10_001, condition: { "<": ["close", 1] } } }),
      ["entry.long.heldFor.bars: 10001 is not a bar count (a whole number from 1 to 10000)"],
    ],
    [
      "a period given as a string",
      withLong({ "<": ["close", { sma: { period: "3" } }] }),
      ['entry.long.<.1.sma.period: expected a number or {"param": name}'],
    ],
    [
      "an undeclared parameter",
      withLong({ "<": ["close", { sma: { period: { param: "x" } } }] }),
      ['entry.long.<.1.sma.period.param: "x" is not a declared parameter'],
    ],
    [
      "a parameter name that is a number",
      withLong({ "<": ["close", { param: 3 }] }),
      ["entry.long.<.1.param: Invalid input: expected string, received number"],
    ],
    [
      "a boolean for a series",
      withLong({ "<": ["close", true] }),
      [expect.stringMatching(/^entry\.long\.<\.1: expected a series: /)],
    ],
    [
      "a MACD signal line without its span",
      withLong({ "<": ["close", { macd: { fast: 1, slow: 2, line: "signal" } }] }),
      ["entry.long.<.1.macd.signal: the signal and histogram lines need `signal`"],
    ],
    [
      "a series that refers to one defined after it",
      {
        series: { a: { previous: "b" }, b: "close" },
        entry: { long: { "<": ["a", "b"] } },
      },
      [
        'series.a.previous: "b" is neither a price field (open, high, low, close, volume) nor a series defined above',
      ],
    ],
    [
      "a series named like a price field",
      { ...SMA, series: { ...SMA.series, close: "open" } },
      ["series.close: a series may not take a price field's name"],
    ],
    [
      "bars without previous",
      withLong({ "<": ["close", { sma: { period: 2 }, bars: 2 }] }),
      ["entry.long.<.1.bars: `bars` goes with `previous`"],
    ],
    [
      "a size above 1",
      { ...SMA, size: 2 },
      ["size: 2 is not a size (a fraction of equity above 0, at most 1)"],
    ],
    [
      "a stop of 100 %",
      { ...SMA, stopLoss: { percent: 100 } },
      ["stopLoss.percent: 100 is not a stop-loss percentage (above 0, below 100)"],
    ],
    [
      "an ATR level without a multiple",
      { ...SMA, takeProfit: { atr: 14 } },
      ["takeProfit.multiple: an ATR level needs `multiple`"],
    ],
    [
      "a constraint on an undeclared parameter",
      { ...SMA, constraints: [{ left: "fast", op: "<", right: "slower" }] },
      ['constraints.0.right: "slower" is not a declared parameter'],
    ],
    [
      "a parameter declared and never used",
      { ...SMA, parameters: { ...SMA.parameters, spare: {} } },
      ["parameters.spare: declared but used nowhere in the rules, series or orders"],
    ],
    [
      "a parameter whose bounds no period fits",
      { ...SMA, parameters: { ...SMA.parameters, fast: { min: 0.1, max: 0.9 } } },
      [
        "parameters.fast: no value fits the declared bounds and its uses: a period (a whole number from 1 to 10000) at series.fastMa.sma.period",
      ],
    ],
    [
      `conditions nested ${MAX_DEPTH + 1} deep`,
      withLong(nest(MAX_DEPTH)),
      [`entry.long${".not".repeat(MAX_DEPTH)}: nested deeper than ${MAX_DEPTH} levels`],
    ],
  ])("refuses %s with its path", (_, raw, expected) => {
    expect(refusal(raw)).toEqual(expected);
  });

  it(`accepts conditions nested exactly ${MAX_DEPTH} deep`, () => {
    expect(() => parseDefinition(withLong(nest(MAX_DEPTH - 2)))).not.toThrow();
  });

  it("refuses 100,000 levels of nesting at the root, without recursing into them", () => {
    const text = `${'{"not":'.repeat(100_000)}{"<":["close",1]}${"}".repeat(100_000)}`;
    expect(refusal(withLong(JSON.parse(text)))).toEqual([
      `: nested deeper than ${MAX_DEPTH} levels of conditions and series`,
    ]);
  });

  it(`refuses more than ${MAX_NODES} nodes`, () => {
    const leaf = { "<": ["close", 1] };
    const wide = { or: Array.from({ length: 16 }, () => ({ and: Array(14).fill(leaf) })) };
    expect(refusal(withLong(wide))).toContain(
      `: ${2 + 1 + 16 * (1 + 14 * 3)} nodes, more than ${MAX_NODES}`,
    );
  });

  it(`refuses more than ${MAX_PARAMETERS} parameters`, () => {
    const parameters = Object.fromEntries(Array.from({ length: 17 }, (_, k) => [`p${k}`, {}]));
    expect(refusal({ ...SMA, parameters })).toEqual([
      `parameters: at most ${MAX_PARAMETERS} parameters`,
    ]);
  });

  it("lists every problem at once", () => {
    const raw = { ...SMA, size: 0, entry: { long: { "<": ["nope", { sma: { period: -1 } }] } } };
    expect(refusal(raw)).toHaveLength(3);
  });
});

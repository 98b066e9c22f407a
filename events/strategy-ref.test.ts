// Proves the door's check of a strategy: a name, or a definition bounded in depth and size, storable.
import { describe, expect, it } from "vitest";
import { BacktestRequestSchema } from "./backtest-request.ts";
import {
  MAX_DEFINITION_BYTES,
  MAX_DEFINITION_DEPTH,
  MAX_DEFINITION_VALUES,
  StrategyRefSchema,
  strategyName,
} from "./strategy-ref.ts";

/** [path, message] of each issue, after a parse that must fail. */
function issues(value: unknown): [string, string][] {
  const result = StrategyRefSchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => [i.path.join("."), i.message]);
}

/** An object `levels` JSON levels deep: {"a": {"a": ... {} }}. */
function nested(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let k = 1; k < levels; k++) node = { a: node };
  return node;
}

describe("StrategyRefSchema", () => {
  it("takes a built-in's name and any definition-shaped object, which it returns as it came", () => {
    expect(StrategyRefSchema.parse("sma-crossover")).toBe("sma-crossover");
    const definition = {
      name: "x",
      series: { b: { sma: { period: 5 } }, a: "b" },
      entry: { long: { and: [{ "<": ["close", "a"] }, { not: { ">": [1, 2] } }] } },
      flag: true,
      none: null,
    };
    const parsed = StrategyRefSchema.parse(definition);
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(definition));
    // What it means is the engine's to say: an unknown key passes here.
    expect(StrategyRefSchema.parse({ whatever: 1 })).toEqual({ whatever: 1 });
  });

  it("refuses what is neither a name nor an object, with one message", () => {
    for (const value of [42, null, true, [{ entry: {} }], undefined]) {
      expect(issues(value)).toEqual([["", "expected a strategy name or a definition object"]]);
    }
    expect(issues("")[0][0]).toBe("");
    expect(issues("x".repeat(65))[0][1]).toMatch(/64/);
  });

  it("refuses nesting past MAX_DEFINITION_DEPTH at the root, whatever the depth, without recursing", () => {
    expect(StrategyRefSchema.safeParse(nested(MAX_DEFINITION_DEPTH)).success).toBe(true);
    const expected = [["", `nested deeper than ${MAX_DEFINITION_DEPTH} levels`]];
    expect(issues(nested(MAX_DEFINITION_DEPTH + 1))).toEqual(expected);
    // Deep enough that any recursive walk would overflow the stack.
    expect(issues(nested(1_000_000))).toEqual(expected);
  });

  it("refuses more than MAX_DEFINITION_VALUES values", () => {
    const ok = { list: Array(MAX_DEFINITION_VALUES - 2).fill(0) };
    expect(StrategyRefSchema.safeParse(ok).success).toBe(true);
    const over = { list: Array(MAX_DEFINITION_VALUES - 1).fill(0) };
    expect(issues(over)).toEqual([["", `more than ${MAX_DEFINITION_VALUES} JSON values`]]);
  });

  it("refuses more than MAX_DEFINITION_BYTES of compact JSON", () => {
    // {"description":"..."} is 18 bytes around the text.
    const at = (n: number) => ({ description: "x".repeat(n - 18) });
    expect(StrategyRefSchema.safeParse(at(MAX_DEFINITION_BYTES)).success).toBe(true);
    expect(issues(at(MAX_DEFINITION_BYTES + 1))).toEqual([
      ["", `${MAX_DEFINITION_BYTES + 1} bytes as JSON, more than ${MAX_DEFINITION_BYTES}`],
    ]);
  });

  it("names every string and key Postgres cannot store, at its path, in document order", () => {
    const found = issues({
      name: "a\u0000",
      series: { "b\ud800": 1, ok: ["fine", "c\udc00"] },
    });
    expect(found).toEqual([
      ["name", "contains U+0000 (NUL) at character 1, which cannot be stored"],
      [
        "series.b\\ud800",
        "the key contains a lone surrogate (U+D800) at character 1, which cannot be stored",
      ],
      ["series.ok.1", "contains a lone surrogate (U+DC00) at character 1, which cannot be stored"],
    ]);
  });

  it("refuses values JSON cannot carry, for events built in process", () => {
    expect(issues({ a: Number.NaN })).toEqual([["a", "not a finite number"]]);
    expect(issues({ a: new Date(0) })).toEqual([["a", "not a JSON value"]]);
    expect(issues({ a: undefined })).toEqual([["a", "not a JSON value"]]);
  });

  it("is the request's `strategy`, with paths under it", () => {
    const base = { params: { fast: 5 }, data: { synthetic: { bars: 300, seed: 1 } } };
    const ok = BacktestRequestSchema.safeParse({ ...base, strategy: { entry: {} } });
    expect(ok.success).toBe(true);
    const bad = BacktestRequestSchema.safeParse({ ...base, strategy: { name: "\u0000" } });
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["strategy.name"]);
  });
});

describe("strategyName", () => {
  it("is the built-in's name, the definition's name, or custom", () => {
    expect(strategyName("sma-crossover")).toBe("sma-crossover");
    expect(strategyName({ name: "dip-buyer", entry: {} })).toBe("dip-buyer");
    expect(strategyName({ entry: {} })).toBe("custom");
    expect(strategyName({ name: "", entry: {} })).toBe("custom");
    expect(strategyName({ name: 5 })).toBe("custom");
  });

  it("is empty for what a refused request may hold instead", () => {
    for (const value of [undefined, null, 5, ["x"]]) expect(strategyName(value)).toBe("");
  });
});

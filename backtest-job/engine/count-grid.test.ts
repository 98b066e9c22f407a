import { describe, expect, it } from "vitest";
import { countGrid } from "./count-grid.ts";

describe("countGrid", () => {
  it("counts the valid combinations of a grid", () => {
    expect(countGrid("sma-crossover", { fast: [5, 10], slow: 20 }, 100)).toEqual({
      kind: "ok",
      combinations: 2,
    });
  });

  it("says when no combination satisfies the constraints, with their messages", () => {
    const counted = countGrid("sma-crossover", { fast: 30, slow: 20 }, 100);
    expect(counted).toEqual({ kind: "none", rules: ["fast must be less than slow"] });
  });

  it("says when the grid has more combinations than the cap", () => {
    expect(countGrid("sma-crossover", { fast: [5, 10, 15], slow: 20 }, 2)).toEqual({
      kind: "over",
      combinations: 3,
    });
  });

  it("gives the engine's message for an unknown strategy or a bad grid", () => {
    const unknown = countGrid("no-such-strategy", {}, 100);
    expect(unknown.kind === "invalid" && unknown.message).toMatch(/^unknown strategy/);
    const bad = countGrid("sma-crossover", { fast: [], slow: 20 }, 100);
    expect(bad.kind).toBe("invalid");
  });

  it("counts a definition's grid under its declared constraints", () => {
    const definition = {
      parameters: { fast: { integer: true }, slow: { integer: true } },
      constraints: [{ left: "fast", op: "<=", right: "slow" }],
      entry: {
        long: {
          crossesAbove: [
            { sma: { period: { param: "fast" } } },
            { ema: { period: { param: "slow" } } },
          ],
        },
      },
    };
    // fast <= slow: (5,5) (5,10) (10,10).
    expect(countGrid(definition, { fast: [5, 10], slow: [5, 10] }, 100)).toEqual({
      kind: "ok",
      combinations: 3,
    });
    expect(countGrid(definition, { fast: 10, slow: 5 }, 100)).toEqual({
      kind: "none",
      rules: ["fast must not exceed slow"],
    });
  });

  it("lists every problem of a definition with its path, not one message", () => {
    const counted = countGrid(
      { entry: { long: { and: [{ "<": ["close", "nope"] }] } }, size: 2 },
      { fast: 5 },
      100,
    );
    expect(counted.kind).toBe("definition");
    const paths = counted.kind === "definition" ? counted.issues.map((i) => i.path) : [];
    expect(paths).toEqual(["entry.long.and"]);
    const more = countGrid({ entry: { long: { "<": ["close", "nope"] } }, size: 2 }, {}, 100);
    expect(more.kind === "definition" && more.issues.map((i) => i.path)).toEqual([
      "entry.long.<.1",
      "size",
    ]);
  });
});

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
});

// The CLI's reading of the API's run view: the definition passes through as it came, or is absent.
import { describe, expect, it } from "vitest";
import { RunViewSchema } from "./api-responses.ts";
import { runView } from "./test-support/fake-api.ts";

describe("RunViewSchema", () => {
  it("keeps a run's definition, keys in the order the API sent them", () => {
    const definition = {
      name: "dip",
      series: { slow: { sma: { period: 50 } }, fast: { previous: "slow" } },
      entry: { long: { "<": ["close", "fast"] } },
    };
    const parsed = RunViewSchema.parse(runView({ strategy: "dip", definition }));
    expect(parsed.definition).toEqual(definition);
    expect(Object.keys(parsed.definition?.series as object)).toEqual(["slow", "fast"]);
  });

  it("reads an older API's view without one, and null for a run that has none", () => {
    expect(RunViewSchema.parse(runView()).definition).toBeUndefined();
    expect(RunViewSchema.parse(runView({ definition: null })).definition).toBeNull();
    expect(RunViewSchema.safeParse(runView({ definition: "sma" })).success).toBe(false);
  });
});

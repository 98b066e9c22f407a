// A run as the api shows it: the data source in short, nothing secret, and the definition it ran.
import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../../backtest-job/engine/strategies/index.ts";
import { dataSourceView, definitionView } from "./run-view.ts";

describe("dataSourceView", () => {
  it("names each kind of data source with a short description", () => {
    expect(dataSourceView({ data: { synthetic: { bars: 1500, seed: 7 } } })).toEqual({
      kind: "synthetic",
      detail: "1500 bars, seed 7",
    });
    expect(dataSourceView({ data: { path: "GOOG.csv" } })).toEqual({
      kind: "path",
      detail: "GOOG.csv",
    });
    expect(dataSourceView({ data: { csv: "time,open\n1,2\n" } })).toEqual({
      kind: "inline",
      detail: "14 bytes of CSV",
    });
  });

  it("shows a URL without its query, credentials or fragment, which may hold secrets", () => {
    const view = dataSourceView({
      data: { url: "https://user:pw@data.example.com/bars/goog.csv?X-Amz-Signature=abc#top" },
    });
    expect(view).toEqual({ kind: "url", detail: "https://data.example.com/bars/goog.csv" });
  });

  it("says unknown for whatever a rejected run kept", () => {
    expect(dataSourceView(null)).toEqual({ kind: "unknown", detail: "" });
    expect(dataSourceView("{not json")).toEqual({ kind: "unknown", detail: "" });
    expect(dataSourceView({ data: { ftp: "x" } })).toEqual({ kind: "unknown", detail: "" });
  });
});

describe("definitionView", () => {
  it("gives a custom run's definition as it was submitted", () => {
    const definition = {
      name: "dip",
      series: { b: { sma: { period: 5 } }, a: "b" },
      entry: { long: { "<": ["close", "a"] } },
    };
    const shown = definitionView({ strategy: definition, params: {} });
    expect(shown).toEqual(definition);
    expect(Object.keys((shown as typeof definition).series)).toEqual(["b", "a"]);
  });

  it("gives a built-in's own definition for a named run", () => {
    for (const s of STRATEGIES) {
      const shown = definitionView({ strategy: s.name });
      expect(shown, s.name).toBe(s.definition);
      expect(shown, s.name).toMatchObject({ entry: expect.any(Object) });
    }
  });

  it("gives null for an unknown name and whatever else a rejected run kept", () => {
    for (const request of [{ strategy: "nope" }, { strategy: [1] }, {}, null, "x"]) {
      expect(definitionView(request), JSON.stringify(request)).toBeNull();
    }
  });
});

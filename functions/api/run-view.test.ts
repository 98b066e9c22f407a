// The data source of a run as the api shows it: kind and a short description, nothing secret.
import { describe, expect, it } from "vitest";
import { dataSourceView } from "./run-view.ts";

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

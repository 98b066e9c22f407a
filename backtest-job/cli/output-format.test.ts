// The small formatting pieces: JSON null for non-finite numbers, table cells, the progress bar.
import { describe, expect, it } from "vitest";
import { formatKeyValues, formatNumber, formatTable, formatTime } from "./format-table.ts";
import { jsonText, tradeJson } from "./json-output.ts";
import { progressBar, progressLine } from "./progress-bar.ts";

describe("jsonText", () => {
  it("writes NaN and ±Infinity as null, and ends with a newline", () => {
    expect(jsonText({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -Infinity, d: 1.5 })).toBe(
      '{"a":null,"b":null,"c":null,"d":1.5}\n',
    );
  });
});

describe("tradeJson", () => {
  it("gives ISO times and returnPct in percent", () => {
    const t = tradeJson({
      entryBar: 1,
      exitBar: 4,
      entryTime: Date.UTC(2020, 0, 2),
      exitTime: Date.UTC(2020, 0, 7),
      units: -3,
      entryPrice: 100,
      exitPrice: 90,
      entryCommission: 0,
      exitCommission: 0,
      pnl: 30,
      returnPct: 0.1,
    });
    expect(t).toEqual({
      entryBar: 1,
      exitBar: 4,
      entryTime: "2020-01-02T00:00:00.000Z",
      exitTime: "2020-01-07T00:00:00.000Z",
      units: -3,
      entryPrice: 100,
      exitPrice: 90,
      pnl: 30,
      returnPct: 10,
    });
  });
});

describe("table cells", () => {
  it("formats numbers for reading", () => {
    expect(
      [12, 1234.567, 0.123456, -5.5, Number.NaN, Number.POSITIVE_INFINITY].map(formatNumber),
    ).toEqual(["12", "1234.57", "0.1235", "-5.5000", "-", "inf"]);
  });

  it("shows the clock only when a bar is not at midnight UTC", () => {
    expect(formatTime(Date.UTC(2020, 0, 2))).toBe("2020-01-02");
    expect(formatTime(Date.UTC(2020, 0, 2, 14, 30))).toBe("2020-01-02 14:30:00");
  });

  it("aligns key-value lines and table columns", () => {
    expect(
      formatKeyValues([
        ["a", "1"],
        ["long", "2"],
      ]),
    ).toBe("a     1\nlong  2\n");
    expect(formatTable([{ title: "name" }, { title: "n", align: "right" }], [["x", "10"]])).toBe(
      "name   n\n----  --\nx     10\n",
    );
  });
});

describe("progressBar", () => {
  it("draws done/total and percent, redraws only on change, and clears once", () => {
    const writes: string[] = [];
    const bar = progressBar((text) => writes.push(text));
    bar.update(0, 4);
    bar.update(0, 4);
    bar.update(2, 4);
    bar.update(4, 4);
    bar.clear();
    bar.clear();
    expect(writes).toEqual([
      `\r\x1b[K${progressLine(0, 4)}`,
      `\r\x1b[K${progressLine(2, 4)}`,
      `\r\x1b[K${progressLine(4, 4)}`,
      "\r\x1b[K",
    ]);
    expect(progressLine(2, 4)).toBe(`[${"#".repeat(15)}${"-".repeat(15)}]  2/4  50.0%`);
  });
});

// Proves parseCsv on backtesting.py's files, common headed layouts and every rejection.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv, UNIX_MS_THRESHOLD } from "./csv.ts";
import { CsvError } from "./errors.ts";

// backtesting.py 0.6.6's GOOG.csv and EURUSD.csv, byte for byte, committed with the parity fixtures.
const dataDir = new URL("./fixtures/backtesting-py/", import.meta.url);

const HEADER = ",Open,High,Low,Close,Volume";
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The CsvError that parsing `text` throws; fails the test if it parses. */
function csvError(text: string): CsvError {
  try {
    parseCsv(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvError);
    return error as CsvError;
  }
  throw new Error(`expected a CsvError for ${JSON.stringify(text)}`);
}

/** A valid file with one data row replaced by `row`, which lands on physical line 3. */
function withRow(row: string, header = "date,Open,High,Low,Close,Volume"): string {
  return `${header}\n2020-01-01,10,11,9,10.5,100\n${row}\n2020-01-03,10,11,9,10.5,100\n`;
}

describe("backtesting.py's test data", () => {
  const read = (name: string) => parseCsv(readFileSync(new URL(name, dataDir), "utf8"));

  it("parses GOOG.csv: 2148 daily bars", () => {
    const bars = read("GOOG.csv");
    expect(bars.length).toBe(2148);
    expect(bars.time[0]).toBe(day("2004-08-19"));
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0]]).toEqual([
      100, 104.06, 95.96, 100.34,
    ]);
    expect(bars.volume[0]).toBe(22351900);
    const last = bars.length - 1;
    expect(bars.time[last]).toBe(day("2013-03-01"));
    expect(bars.open[last]).toBe(797.8);
    expect(bars.close[last]).toBe(806.19);
    expect(bars.volume[last]).toBe(2175400);
  });

  it("parses EURUSD.csv: 5000 hourly bars with a time of day", () => {
    const bars = read("EURUSD.csv");
    expect(bars.length).toBe(5000);
    expect(bars.time[0]).toBe(Date.UTC(2017, 3, 19, 9));
    expect(bars.time[1] - bars.time[0]).toBe(3_600_000);
    expect(bars.open[0]).toBe(1.0716);
    expect(bars.close[0]).toBe(1.07219);
    expect(bars.volume[0]).toBe(1413);
    const last = bars.length - 1;
    expect(bars.time[last]).toBe(Date.UTC(2018, 1, 7, 15));
    expect(bars.high[last]).toBe(1.23444);
    expect(bars.close[last]).toBe(1.22904);
    expect(bars.volume[last]).toBe(6143);
  });

  it("parses BTCUSD.csv: 156 monthly bars with fractional volume", () => {
    const bars = read("BTCUSD.csv");
    expect(bars.length).toBe(156);
    expect(bars.time[0]).toBe(day("2012-01-31"));
    expect(bars.open[0]).toBe(4.58);
    expect(bars.volume[0]).toBe(2012.25343589);
    const last = bars.length - 1;
    expect(bars.time[last]).toBe(day("2024-12-31"));
    expect(bars.open[last]).toBe(96515);
    expect(bars.close[last]).toBe(93381);
    expect(bars.volume[last]).toBe(25342.80228337);
  });
});

describe("parseCsv layouts", () => {
  it("reads backtesting.py's unnamed index layout", () => {
    const bars = parseCsv(`${HEADER}\n2004-08-19,100,104.06,95.96,100.34,22351900\n`);
    expect(bars.length).toBe(1);
    expect(bars.time[0]).toBe(day("2004-08-19"));
    expect(bars.high[0]).toBe(104.06);
    expect(bars.low[0]).toBe(95.96);
  });

  it("matches column names in any case and order, ignoring extra columns", () => {
    const bars = parseCsv(
      "Volume,CLOSE,Adj Close,low,TimeStamp,High,open\n500,10.5,10.4,9,2020-01-01,11,10\n",
    );
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([
      10, 11, 9, 10.5, 500,
    ]);
    expect(bars.time[0]).toBe(day("2020-01-01"));
  });

  it.each(["date", "Date", "TIME", "timestamp", "DateTime"])(
    "accepts %s as the time column",
    (name) => {
      const bars = parseCsv(`${name},open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,3\n`);
      expect(bars.time[0]).toBe(day("2020-01-01"));
    },
  );

  it("reads a Yahoo-style export with Adj Close", () => {
    const bars = parseCsv(
      "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,74.06,75.15,73.80,75.09,73.15,135480400\n",
    );
    expect(bars.close[0]).toBe(75.09);
    expect(bars.volume[0]).toBe(135480400);
  });

  it("fills a missing volume column with 0", () => {
    const bars = parseCsv(
      "date,open,high,low,close\n2020-01-01,1,2,0.5,1.5\n2020-01-02,1,2,0.5,1.5\n",
    );
    expect(Array.from(bars.volume)).toEqual([0, 0]);
  });

  it("accepts a zero volume and folds -0 into 0", () => {
    const bars = parseCsv(withRow("2020-01-02,10,11,9,10.5,-0"));
    expect(Object.is(bars.volume[1], 0)).toBe(true);
  });

  it("reads unix seconds and unix milliseconds, split at 1e11", () => {
    const seconds = parseCsv("time,open,high,low,close\n1700000000,1,2,0.5,1.5\n");
    expect(seconds.time[0]).toBe(1_700_000_000_000);
    const millis = parseCsv("time,open,high,low,close\n1700000000123,1,2,0.5,1.5\n");
    expect(millis.time[0]).toBe(1_700_000_000_123);
    const boundary = parseCsv(
      `time,open,high,low,close\n${UNIX_MS_THRESHOLD - 1},1,2,0.5,1.5\n${UNIX_MS_THRESHOLD * 1000 + 1},1,2,0.5,1.5\n`,
    );
    expect(boundary.time[0]).toBe((UNIX_MS_THRESHOLD - 1) * 1000);
    expect(parseCsv(`time,open,high,low,close\n${UNIX_MS_THRESHOLD},1,2,0.5,1.5\n`).time[0]).toBe(
      UNIX_MS_THRESHOLD,
    );
  });

  it.each([
    ["2017-04-19", Date.UTC(2017, 3, 19)],
    ["2017-04-19 09:30", Date.UTC(2017, 3, 19, 9, 30)],
    ["2017-04-19 09:30:15", Date.UTC(2017, 3, 19, 9, 30, 15)],
    ["2017-04-19 09:30:15.5", Date.UTC(2017, 3, 19, 9, 30, 15, 500)],
    ["2017-04-19 09:30:15.123456", Date.UTC(2017, 3, 19, 9, 30, 15, 123)],
    ["2017-04-19T09:30:15", Date.UTC(2017, 3, 19, 9, 30, 15)],
    ["2017-04-19T09:30:15Z", Date.UTC(2017, 3, 19, 9, 30, 15)],
    ["2017-04-19T09:30:15.250Z", Date.UTC(2017, 3, 19, 9, 30, 15, 250)],
    ["2017-04-19T09:30:15+02:00", Date.UTC(2017, 3, 19, 7, 30, 15)],
    ["2017-04-19T09:30:15-05:30", Date.UTC(2017, 3, 19, 15, 0, 15)],
    ["2017-04-19T00:30:00+01:00", Date.UTC(2017, 3, 18, 23, 30)],
    ["2016-02-29", Date.UTC(2016, 1, 29)],
    ["0050-06-01", Date.parse("0050-06-01T00:00:00Z")],
  ])("parses the time %s as UTC epoch ms", (text, expected) => {
    const bars = parseCsv(`datetime,open,high,low,close\n${text},1,2,0.5,1.5\n`);
    expect(bars.time[0]).toBe(expected);
  });

  it("agrees with Date.parse on random ISO timestamps", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString();
          const bars = parseCsv(`datetime,open,high,low,close\n${iso},1,2,0.5,1.5\n`);
          expect(bars.time[0]).toBe(date.getTime());
        },
      ),
    );
  });

  it("tolerates a BOM, CRLF line endings, spaces around cells and blank trailing lines", () => {
    const text = `\uFEFF Date , Open,High ,Low,Close,Volume\r\n 2020-01-01 , 10 ,11,9,10.5, 100 \r\n2020-01-02,10,11,9,10.5,100\r\n\r\n  \n\n`;
    const bars = parseCsv(text);
    expect(bars.length).toBe(2);
    expect(bars.time[0]).toBe(day("2020-01-01"));
    expect(bars.open[0]).toBe(10);
    expect(bars.volume[0]).toBe(100);
  });

  it("reports CRLF errors on the right physical line", () => {
    const error = csvError(`${HEADER}\r\n2020-01-01,1,2,0.5,1.5,3\r\n2020-01-02,1,2,0.5,x,3\r\n`);
    expect(error.line).toBe(3);
    expect(error.column).toBe("Close");
  });

  it("round-trips random bars written as CSV", () => {
    const positive = fc.double({ min: 1e-6, max: 1e9, noNaN: true });
    const row = fc.record({ open: positive, high: positive, low: positive, close: positive });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 1e6 }),
        (rows, volume) => {
          const lines = rows.map(
            (r, i) =>
              `${new Date(Date.UTC(2001, 0, 1 + i)).toISOString()},${r.open},${r.high},${r.low},${r.close},${volume}`,
          );
          const bars = parseCsv(`${HEADER}\n${lines.join("\n")}\n`);
          expect(bars.length).toBe(rows.length);
          rows.forEach((r, i) => {
            expect([bars.open[i], bars.high[i], bars.low[i], bars.close[i]]).toEqual([
              r.open,
              r.high,
              r.low,
              r.close,
            ]);
            expect(bars.volume[i]).toBe(volume);
          });
        },
      ),
    );
  });

  it("parses 100k lines well under a second", () => {
    const lines = [HEADER];
    const start = Date.UTC(2000, 0, 1, 0, 0);
    for (let i = 0; i < 100_000; i++) {
      const t = new Date(start + i * 60_000).toISOString().replace("T", " ").slice(0, 19);
      lines.push(`${t},1.0716,1.0722,1.07083,1.07219,${1000 + i}`);
    }
    const text = lines.join("\n");
    const began = performance.now();
    const bars = parseCsv(text);
    const elapsed = performance.now() - began;
    expect(bars.length).toBe(100_000);
    expect(bars.volume[99_999]).toBe(100_999);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe("parseCsv rejections", () => {
  it("rejects a row with too few fields", () => {
    const error = csvError(withRow("2020-01-02,10,11,9,10.5"));
    expect(error.line).toBe(3);
    expect(error.column).toBeUndefined();
    expect(error.message).toBe("CSV line 3: expected 6 fields as in the header, found 5");
  });

  it("rejects a row with too many fields", () => {
    const error = csvError(withRow("2020-01-02,10,11,9,10.5,100,7"));
    expect(error.line).toBe(3);
    expect(error.message).toContain("found 7");
  });

  it("rejects a blank line between data rows", () => {
    const error = csvError(withRow(""));
    expect(error.line).toBe(3);
    expect(error.message).toContain("found a blank line");
  });

  it.each([
    "yesterday",
    "2020-13-01",
    "2019-02-29",
    "2020-04-31",
    "2020-01-02 24:00",
    "2020-01-02 10:60",
    "2020-01-02 10:00:61",
    "2020-01-02T10:00:00+5",
    "2020-01-02T10:00:00+05:00junk",
    "2020-01-02T10:00:00.",
    "2020/01/02",
    "20-01-02",
    "-1700000000",
    "1.7e9",
    "99999999999999999",
  ])("rejects the unparseable timestamp %s", (value) => {
    const error = csvError(withRow(`${value},10,11,9,10.5,100`));
    expect(error.line).toBe(3);
    expect(error.column).toBe("date");
    expect(error.message).toBe(`CSV line 3, column date: "${value}" is not a valid timestamp`);
  });

  it("reports the unnamed time column as written: empty", () => {
    const error = csvError(`${HEADER}\nnot-a-date,1,2,0.5,1.5,3\n`);
    expect(error.line).toBe(2);
    expect(error.column).toBe("");
    expect(error.message).toBe('CSV line 2: "not-a-date" is not a valid timestamp');
  });

  it("rejects a duplicate timestamp, naming the previous line", () => {
    const error = csvError(withRow("2020-01-01,10,11,9,10.5,100"));
    expect(error.line).toBe(3);
    expect(error.column).toBe("date");
    expect(error.message).toBe(
      'CSV line 3, column date: "2020-01-01" is a duplicate timestamp: not after the previous timestamp (line 2)',
    );
  });

  it("rejects an out-of-order timestamp, naming the previous line", () => {
    const error = csvError(withRow("2019-12-31,10,11,9,10.5,100"));
    expect(error.line).toBe(3);
    expect(error.message).toContain('"2019-12-31" is out of order');
    expect(error.message).toContain("not after the previous timestamp (line 2)");
  });

  it("treats the same instant in two zones as a duplicate", () => {
    const error = csvError(
      "time,open,high,low,close\n2020-01-01T10:00:00Z,1,2,0.5,1.5\n2020-01-01T12:00:00+02:00,1,2,0.5,1.5\n",
    );
    expect(error.line).toBe(3);
    expect(error.message).toContain("duplicate timestamp");
  });

  it("rejects a non-numeric value, quoting it", () => {
    const error = csvError(withRow("2020-01-02,10,11,9,abc,100"));
    expect(error.line).toBe(3);
    expect(error.column).toBe("Close");
    expect(error.message).toBe('CSV line 3, column Close: "abc" is not a number');
  });

  it.each([
    ["Open", "2020-01-02,,11,9,10.5,100", '"" is empty, not a number'],
    ["High", "2020-01-02,10,0x10,9,10.5,100", '"0x10" is not a number'],
    ["Low", "2020-01-02,10,11,1 000,10.5,100", '"1 000" is not a number'],
    ["Volume", "2020-01-02,10,11,9,10.5,1_000", '"1_000" is not a number'],
    ["Close", "2020-01-02,10,11,9,NaN,100", '"NaN" is not a finite number'],
    ["Open", "2020-01-02,Infinity,11,9,10.5,100", '"Infinity" is not a finite number'],
    ["Volume", "2020-01-02,10,11,9,10.5,-Infinity", '"-Infinity" is not a finite number'],
    ["High", "2020-01-02,10,1e400,9,10.5,100", '"1e400" is not a finite number'],
  ])("rejects a bad number in %s: %s", (column, row, message) => {
    const error = csvError(withRow(row));
    expect(error.line).toBe(3);
    expect(error.column).toBe(column);
    expect(error.message).toBe(`CSV line 3, column ${column}: ${message}`);
  });

  it.each([
    ["Open", "2020-01-02,0,11,9,10.5,100", "0"],
    ["High", "2020-01-02,10,-11,9,10.5,100", "-11"],
    ["Low", "2020-01-02,10,11,-0,10.5,100", "-0"],
    ["Close", "2020-01-02,10,11,9,-0.01,100", "-0.01"],
  ])("rejects a non-positive %s price", (column, row, value) => {
    const error = csvError(withRow(row));
    expect(error.line).toBe(3);
    expect(error.column).toBe(column);
    expect(error.message).toBe(`CSV line 3, column ${column}: "${value}" is not a positive price`);
  });

  it("rejects a negative volume", () => {
    const error = csvError(withRow("2020-01-02,10,11,9,10.5,-5"));
    expect(error.line).toBe(3);
    expect(error.column).toBe("Volume");
    expect(error.message).toBe('CSV line 3, column Volume: "-5" is a negative volume');
  });

  it.each([
    ["an empty text", ""],
    ["only a BOM and blank lines", "\uFEFF\n\r\n  \n"],
    ["a header alone", `${HEADER}\n`],
    ["a header and blank lines", `${HEADER}\r\n\r\n\n`],
  ])("rejects %s: no data rows", (_, text) => {
    const error = csvError(text);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/no data rows|not followed by any data rows/);
  });

  it.each(["open", "high", "low", "close"])("rejects a header missing %s on line 1", (name) => {
    const header = ["date", "open", "high", "low", "close", "volume"].filter((c) => c !== name);
    const error = csvError(`${header.join(",")}\n2020-01-01,1,2,3,4\n`);
    expect(error.line).toBe(1);
    expect(error.column).toBe(name);
    expect(error.message).toBe(`CSV line 1, column ${name}: missing column "${name}"`);
  });

  it("rejects a header without a time column", () => {
    const error = csvError("symbol,open,high,low,close\nX,1,2,0.5,1.5\n");
    expect(error.line).toBe(1);
    expect(error.message).toContain("no time column");
  });

  it("rejects two time columns as ambiguous", () => {
    const error = csvError("Date,Time,Open,High,Low,Close\n2020-01-01,10:00,1,2,0.5,1.5\n");
    expect(error.line).toBe(1);
    expect(error.column).toBe("Time");
    expect(error.message).toContain('both "Date" and "Time"');
  });

  it("rejects a price column named twice", () => {
    const error = csvError("date,open,high,low,close,Close\n2020-01-01,1,2,0.5,1.5,1.5\n");
    expect(error.line).toBe(1);
    expect(error.column).toBe("Close");
    expect(error.message).toContain("appears twice");
  });

  it("rejects quoted header cells", () => {
    const error = csvError('"Date","Open","High","Low","Close"\n2020-01-01,1,2,0.5,1.5\n');
    expect(error.line).toBe(1);
    expect(error.message).toBe(
      'CSV line 1: "\\"Date\\"" is quoted; quoted fields are not supported',
    );
  });

  it("rejects quoted data cells, naming the column", () => {
    const error = csvError(withRow('2020-01-02,10,11,9,"10.5",100'));
    expect(error.line).toBe(3);
    expect(error.column).toBe("Close");
    expect(error.message).toContain("quoted fields are not supported");
  });

  it("is a CsvError with the invalid_csv code", () => {
    const error = csvError(withRow("2020-01-02,10,11,9,abc,100"));
    expect(error.code).toBe("invalid_csv");
    expect(error.name).toBe("CsvError");
  });
});

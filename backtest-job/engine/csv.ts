// Parses OHLCV CSV text (backtesting.py's layout and common headed layouts) into Bars.
import { allocateBars, type Bars } from "./bars.ts";
import { CsvError } from "./errors.ts";

/** Header names accepted for the time column, lower-cased. An empty first cell also counts. */
const TIME_NAMES = new Set(["date", "time", "timestamp", "datetime"]);
const REQUIRED = ["open", "high", "low", "close"] as const;

/**
 * All-digit timestamps below this are unix seconds, at or above it unix milliseconds.
 * 1e11 seconds is the year 5138 and 1e11 ms is 1973-03-03, so the only misread values are
 * millisecond stamps before March 1973, which no market-data file we expect contains.
 */
export const UNIX_MS_THRESHOLD = 1e11;

const MS_PER_DAY = 86_400_000;
/** ECMAScript's largest valid Date, so every parsed time can become a Date downstream. */
const MAX_DATE_MS = 8.64e15;
const CODE_0 = 48;
const CODE_9 = 57;

/**
 * Parses CSV text into {@link Bars}, validating every cell.
 *
 * The header must name a time column (`date`, `time`, `timestamp` or `datetime`, any case,
 * or an empty first cell as pandas writes an unnamed index) and `open`, `high`, `low`,
 * `close`, optionally `volume` (missing volume becomes 0), in any order and case; other
 * columns are ignored. Times are ISO 8601 (UTC when no zone is given) or unix seconds or
 * milliseconds (see {@link UNIX_MS_THRESHOLD}). Quoted fields are rejected: OHLCV files
 * never need them, and a half-supported quoting rule would silently misread data.
 *
 * @throws {CsvError} with the 1-based line and the header name of the bad cell.
 * @example
 * parseCsv(",Open,High,Low,Close,Volume\n2004-08-19,100,104.06,95.96,100.34,22351900\n");
 */
export function parseCsv(text: string): Bars {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split("\n");
  // Trailing blank lines are tolerated; blank lines inside the data are not.
  let end = lines.length;
  while (end > 0 && lines[end - 1].trim() === "") end--;
  if (end === 0) throw new CsvError("the file is empty: no header and no data rows", 1);

  const header = splitLine(lines[0], 1);
  const layout = readHeader(header);
  const rows = end - 1;
  if (rows === 0) throw new CsvError("the header is not followed by any data rows", 1);

  const bars = allocateBars(rows);
  const { time, open, high, low, close, volume } = bars;
  const width = header.length;
  const timeName = header[layout.time];
  let previousLine = 0;

  for (let i = 0; i < rows; i++) {
    const lineNo = i + 2;
    const cells = splitLine(lines[i + 1], lineNo, header);
    if (cells.length !== width) {
      const found = cells.length === 1 && cells[0] === "" ? "a blank line" : `${cells.length}`;
      throw new CsvError(`expected ${width} fields as in the header, found ${found}`, lineNo);
    }

    const rawTime = cells[layout.time];
    const t = parseTime(rawTime);
    if (Number.isNaN(t)) {
      throw new CsvError(`"${rawTime}" is not a valid timestamp`, lineNo, timeName);
    }
    if (i > 0 && t <= time[i - 1]) {
      const kind = t === time[i - 1] ? "a duplicate timestamp" : "out of order";
      throw new CsvError(
        `"${rawTime}" is ${kind}: not after the previous timestamp (line ${previousLine})`,
        lineNo,
        timeName,
      );
    }
    time[i] = t;
    previousLine = lineNo;

    open[i] = readPrice(cells, layout.open, header, lineNo);
    high[i] = readPrice(cells, layout.high, header, lineNo);
    low[i] = readPrice(cells, layout.low, header, lineNo);
    close[i] = readPrice(cells, layout.close, header, lineNo);
    if (layout.volume >= 0) {
      const v = readNumber(cells[layout.volume], header[layout.volume], lineNo);
      if (v < 0) {
        throw new CsvError(
          `"${cells[layout.volume]}" is a negative volume`,
          lineNo,
          header[layout.volume],
        );
      }
      volume[i] = v + 0; // folds "-0" into 0
    }
  }
  return bars;
}

/** Where each needed column sits in a row; `volume` is -1 when the file has none. */
interface Layout {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

function readHeader(header: readonly string[]): Layout {
  const found: Record<string, number> = {};
  let timeIndex = -1;
  for (let c = 0; c < header.length; c++) {
    const name = header[c].toLowerCase();
    // Only the first cell may be unnamed: pandas' index. A trailing comma elsewhere is noise.
    if (TIME_NAMES.has(name) || (name === "" && c === 0)) {
      if (timeIndex >= 0) {
        throw new CsvError(
          `ambiguous time column: both "${header[timeIndex]}" and "${header[c]}" could be the time`,
          1,
          header[c],
        );
      }
      timeIndex = c;
    } else if (name === "volume" || (REQUIRED as readonly string[]).includes(name)) {
      if (found[name] !== undefined) {
        throw new CsvError(`column "${header[c]}" appears twice`, 1, header[c]);
      }
      found[name] = c;
    }
  }
  if (timeIndex < 0) {
    throw new CsvError(
      "no time column: expected one named date, time, timestamp or datetime, or an unnamed first column",
      1,
    );
  }
  for (const name of REQUIRED) {
    if (found[name] === undefined) throw new CsvError(`missing column "${name}"`, 1, name);
  }
  return {
    time: timeIndex,
    open: found.open,
    high: found.high,
    low: found.low,
    close: found.close,
    volume: found.volume ?? -1,
  };
}

/**
 * Splits one physical line into trimmed cells, dropping a CR left by CRLF endings.
 * `header` names the column of a quoted cell; it is absent while reading the header itself.
 */
function splitLine(line: string, lineNo: number, header?: readonly string[]): string[] {
  if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  const cells = line.split(",");
  const quoted = line.includes('"');
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c].trim();
    if (quoted && cell.includes('"')) {
      throw new CsvError(
        `${JSON.stringify(cell)} is quoted; quoted fields are not supported`,
        lineNo,
        header?.[c],
      );
    }
    cells[c] = cell;
  }
  return cells;
}

function readPrice(
  cells: readonly string[],
  index: number,
  header: readonly string[],
  lineNo: number,
): number {
  const value = readNumber(cells[index], header[index], lineNo);
  if (value <= 0) {
    throw new CsvError(`"${cells[index]}" is not a positive price`, lineNo, header[index]);
  }
  return value;
}

/** A finite decimal number; Number() alone would also accept "", hex, binary and octal. */
function readNumber(cell: string, column: string, lineNo: number): number {
  if (cell === "") throw new CsvError(`"" is empty, not a number`, lineNo, column);
  const value = Number(cell);
  if (Number.isNaN(value) || isRadixLiteral(cell)) {
    if (cell.toLowerCase() === "nan") {
      throw new CsvError(`"${cell}" is not a finite number`, lineNo, column);
    }
    throw new CsvError(`"${cell}" is not a number`, lineNo, column);
  }
  if (!Number.isFinite(value)) {
    throw new CsvError(`"${cell}" is not a finite number`, lineNo, column);
  }
  return value;
}

function isRadixLiteral(cell: string): boolean {
  if (cell.length < 2 || cell.charCodeAt(0) !== CODE_0) return false;
  const c = cell.charCodeAt(1) | 0x20; // lower-case
  return c === 0x78 || c === 0x6f || c === 0x62; // x, o, b
}

/**
 * Epoch milliseconds for an ISO date/time or all-digit unix time, or NaN when unparseable.
 * Hand-written over char codes so a 100k-line file costs no regex or Date allocation.
 */
function parseTime(s: string): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  if (allDigits(s)) {
    const value = Number(s);
    const ms = value >= UNIX_MS_THRESHOLD ? value : value * 1000;
    return ms <= MAX_DATE_MS ? ms : Number.NaN;
  }
  // YYYY-MM-DD
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return Number.NaN;
  }
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (n === 10) return ms;

  // [ T]HH:MM[:SS[.f+]]
  const sep = s.charCodeAt(10);
  if ((sep !== 32 && sep !== 84 && sep !== 116) || n < 16 || s.charCodeAt(13) !== 58) {
    return Number.NaN;
  }
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN;
  ms += hour * 3_600_000 + minute * 60_000;
  let p = 16;
  if (p < n && s.charCodeAt(p) === 58) {
    const second = digits(s, p + 1, 2);
    if (second < 0 || second > 59) return Number.NaN;
    ms += second * 1000;
    p += 3;
    if (p < n && s.charCodeAt(p) === 46) {
      p++;
      const start = p;
      let fraction = 0;
      let scale = 100;
      while (p < n && isDigit(s.charCodeAt(p))) {
        fraction += (s.charCodeAt(p) - CODE_0) * scale;
        scale /= 10;
        p++;
      }
      if (p === start) return Number.NaN;
      // Sub-millisecond digits are truncated: bars never need finer than 1 ms.
      ms += Math.floor(fraction);
    }
  }
  if (p === n) return ms;

  // Z or ±HH:MM
  const zone = s.charCodeAt(p);
  if ((zone === 90 || zone === 122) && p + 1 === n) return ms;
  if ((zone === 43 || zone === 45) && p + 6 === n && s.charCodeAt(p + 3) === 58) {
    const offH = digits(s, p + 1, 2);
    const offM = digits(s, p + 4, 2);
    if (offH < 0 || offH > 23 || offM < 0 || offM > 59) return Number.NaN;
    const offset = (offH * 60 + offM) * 60_000;
    // Local time = UTC + offset, so UTC = local - offset.
    return zone === 43 ? ms - offset : ms + offset;
  }
  return Number.NaN;
}

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** The unsigned integer in s[from, from+count), or -1 if any char is not a digit. */
function digits(s: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const code = s.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - CODE_0);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). Used instead of Date.UTC, which maps years 0-99 to 1900-1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

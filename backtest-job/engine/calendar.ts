// The data's period, its annualisation factor and the bars that close each return period.
// Rules from backtesting.py 0.6.6 (`_data_period`, `compute_stats`), see docs/execution-model.md.

const DAY_MS = 86_400_000;

/** The calendar unit over which period returns are taken. */
export type PeriodUnit = "day" | "week" | "month" | "year";

/** Everything statistics need to know about the bars' timestamps. */
export interface Calendar {
  /** Median gap of the last 100 timestamps, in milliseconds (NaN for fewer than 2 bars). */
  readonly periodMs: number;
  /** Unit of the period returns: week, month or year for such data, else day. */
  readonly unit: PeriodUnit;
  /** Periods a year: 52, 12, 1, or 365 / 252 for daily and intraday data. */
  readonly annualPeriods: number;
  /** 1 where a bar is the last bar of its calendar period, else 0. */
  readonly periodEnd: Uint8Array;
  /** `periodEndsBefore[i]`: how many period ends lie at bars `< i`. */
  readonly periodEndsBefore: Int32Array;
  /** Durations are rounded up to this, the finest unit of the period (pandas `resolution_string`). */
  readonly resolutionMs: number;
}

/** Median of the gaps between the last 100 timestamps (pandas `Series.diff().median()`). */
export function dataPeriodMs(time: Float64Array): number {
  const first = Math.max(0, time.length - 100);
  const gaps: number[] = [];
  for (let i = first + 1; i < time.length; i++) gaps.push(time[i] - time[i - 1]);
  if (gaps.length === 0) return Number.NaN;
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
}

function utcWeekday(ms: number): number {
  return new Date(ms).getUTCDay();
}

function periodKey(ms: number, unit: PeriodUnit): number {
  const day = Math.floor(ms / DAY_MS);
  if (unit === "day") return day;
  // pandas 'W' bins end on Sunday; 1970-01-01 was a Thursday, so Monday starts day 4.
  if (unit === "week") return Math.floor((day + 3) / 7);
  const d = new Date(ms);
  return unit === "month" ? d.getUTCFullYear() * 12 + d.getUTCMonth() : d.getUTCFullYear();
}

function resolutionOf(periodMs: number): number {
  if (!Number.isFinite(periodMs) || periodMs <= 0) return DAY_MS;
  for (const unit of [DAY_MS, 3_600_000, 60_000, 1_000]) {
    if (periodMs % unit === 0) return unit;
  }
  return 1;
}

/** Derives the {@link Calendar} of a series of UTC epoch-millisecond timestamps. */
export function calendarOf(time: Float64Array): Calendar {
  const n = time.length;
  const periodMs = dataPeriodMs(time);
  // pandas Timedelta.days: whole days, rounded down.
  const days = Math.floor(periodMs / DAY_MS);
  let unit: PeriodUnit = "day";
  let annualPeriods: number;
  if (days === 7) [unit, annualPeriods] = ["week", 52];
  else if (days === 31) [unit, annualPeriods] = ["month", 12];
  else if (days === 365) [unit, annualPeriods] = ["year", 1];
  else {
    let weekend = 0;
    for (let i = 0; i < n; i++) {
      const wd = utcWeekday(time[i]);
      if (wd === 0 || wd === 6) weekend++;
    }
    annualPeriods = n > 0 && weekend / n > (2 / 7) * 0.6 ? 365 : 252;
  }
  const periodEnd = new Uint8Array(n);
  const periodEndsBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    periodEnd[i] = i === n - 1 || periodKey(time[i], unit) !== periodKey(time[i + 1], unit) ? 1 : 0;
    periodEndsBefore[i + 1] = periodEndsBefore[i] + periodEnd[i];
  }
  return {
    periodMs,
    unit,
    annualPeriods,
    periodEnd,
    periodEndsBefore,
    resolutionMs: resolutionOf(periodMs),
  };
}

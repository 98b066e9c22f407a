// Hand-computed cases for computeStats and the calendar rules it annualises with.
import { describe, expect, it } from "vitest";
import { allocateBars, type Bars } from "./bars.ts";
import { calendarOf } from "./calendar.ts";
import { computeStats, periodReturns, type Stats } from "./stats.ts";
import type { Trade } from "./trade.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Bars at `times` whose open and close are `closes` (statistics only read the close). */
function barsAt(times: readonly number[], closes: readonly number[] = times.map(() => 100)): Bars {
  const bars = allocateBars(times.length);
  times.forEach((t, i) => {
    bars.time[i] = t;
    bars.open[i] = closes[i];
    bars.high[i] = closes[i];
    bars.low[i] = closes[i];
    bars.close[i] = closes[i];
    bars.volume[i] = 1;
  });
  return bars;
}

/** `count` timestamps, each `gap` ms after the previous one, from `from`. */
const evenly = (from: number, gap: number, count: number) =>
  Array.from({ length: count }, (_, i) => from + i * gap);

/** `count` consecutive Monday-to-Friday midnights from `from` (which must be a weekday). */
function businessDays(from: number, count: number): number[] {
  const out: number[] = [];
  for (let t = from; out.length < count; t += DAY) {
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(t);
  }
  return out;
}

function stats(
  times: readonly number[],
  equity: readonly number[],
  trades: readonly Trade[] = [],
  start = 1,
  closes?: readonly number[],
): Stats {
  const bars = barsAt(times, closes);
  return computeStats({
    bars,
    calendar: calendarOf(bars.time),
    equity: Float64Array.from(equity),
    trades,
    start,
  });
}

/** A closed trade; only the fields statistics read matter, prices are filled in plausibly. */
function trade(
  entryBar: number,
  exitBar: number,
  times: readonly number[],
  pnl: number,
  returnPct: number,
  commission = 0,
): Trade {
  return {
    entryBar,
    exitBar,
    entryTime: times[entryBar],
    exitTime: times[exitBar],
    units: 1,
    entryPrice: 100,
    exitPrice: 100 * (1 + returnPct),
    entryCommission: commission,
    exitCommission: commission,
    pnl,
    returnPct,
  };
}

const expectClose = (actual: number, expected: number) => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
};

describe("computeStats: drawdowns", () => {
  // Days 0..10. Peaks (dd = 0) at bars 0, 1, 3, 4, 7, 8, and the last bar closes the last
  // episode, so the episodes are 1→3 (depth 25 %, 2 days), 4→7 (depth 20 %, 3 days) and
  // 8→10 (depth 10 %, 2 days), the last one still under water at the last bar.
  const times = evenly(Date.UTC(2024, 0, 1), DAY, 11);
  const equity = [100, 120, 90, 120, 130, 117, 104, 130, 140, 126, 133];
  const s = stats(times, equity);

  it("reports the deepest drawdown, negative", () => {
    expectClose(s.maxDrawdownPct, -25);
  });

  it("averages the depth of each episode, the one open at the last bar included", () => {
    expectClose(s.avgDrawdownPct, -((0.25 + 0.2 + 0.1) / 3) * 100);
  });

  it("measures episode durations from peak to recovery, or to the last bar", () => {
    expect(s.maxDrawdownDurationDays).toBe(3);
    // The mean, 7/3 days, is rounded up to the data's resolution (one day), as pandas' ceil.
    expect(s.avgDrawdownDurationDays).toBe(3);
  });

  it("reports final equity, peak and return", () => {
    expect(s.equityFinal).toBe(133);
    expect(s.equityPeak).toBe(140);
    expectClose(s.returnPct, 33);
  });

  it("ignores a drawdown of a single last bar, as backtesting.py does", () => {
    // The last bar is both the bar after the peak and the episode's end: iloc > prev + 1 fails.
    const t = evenly(Date.UTC(2024, 0, 1), DAY, 4);
    const r = stats(t, [100, 110, 120, 108]);
    expectClose(r.maxDrawdownPct, -10);
    expect(r.avgDrawdownPct).toBeNaN();
    expect(r.maxDrawdownDurationDays).toBeNaN();
    expect(r.avgDrawdownDurationDays).toBeNaN();
  });

  it("a curve that only rises has a zero (not negative) max drawdown and no episodes", () => {
    const t = evenly(Date.UTC(2024, 0, 1), DAY, 5);
    const r = stats(t, [100, 101, 102, 103, 104]);
    expect(Object.is(r.maxDrawdownPct, 0)).toBe(true);
    expect(r.avgDrawdownPct).toBeNaN();
    expect(r.maxDrawdownDurationDays).toBeNaN();
    expect(r.calmarRatio).toBeNaN();
  });

  it("a drawdown from the first bar to the last is one episode", () => {
    const t = evenly(Date.UTC(2024, 0, 1), DAY, 5);
    const r = stats(t, [100, 90, 80, 85, 95]);
    expectClose(r.maxDrawdownPct, -20);
    expectClose(r.avgDrawdownPct, -20);
    expect(r.maxDrawdownDurationDays).toBe(4);
  });
});

describe("computeStats: no trades", () => {
  const times = evenly(Date.UTC(2024, 0, 1), DAY, 6);
  const s = stats(times, [100, 100, 100, 100, 100, 100], [], 3, [10, 11, 12, 13, 14, 15]);

  it("counts zero trades with zero exposure and zero commissions", () => {
    expect(s.trades).toBe(0);
    expect(s.exposureTimePct).toBe(0);
    expect(s.commissions).toBe(0);
  });

  it("leaves every per-trade figure undefined (NaN)", () => {
    for (const name of [
      "winRatePct",
      "bestTradePct",
      "worstTradePct",
      "avgTradePct",
      "maxTradeDurationDays",
      "avgTradeDurationDays",
      "profitFactor",
      "expectancyPct",
      "sqn",
      "kellyCriterion",
    ] as const) {
      expect(s[name], name).toBeNaN();
    }
  });

  it("has a flat curve: zero return and undefined ratios", () => {
    expect(s.returnPct).toBe(0);
    expect(s.returnAnnPct).toBe(0);
    expect(s.cagrPct).toBe(0);
    expect(s.sharpeRatio).toBeNaN();
    expect(s.sortinoRatio).toBeNaN();
  });

  it("measures buy & hold from the bar before start", () => {
    // start 3: from close[2] = 12 to close[5] = 15.
    expectClose(s.buyHoldReturnPct, 25);
  });

  it("reports start, end and duration from the timestamps", () => {
    expect(s.start).toBe("2024-01-01T00:00:00.000Z");
    expect(s.end).toBe("2024-01-06T00:00:00.000Z");
    expect(s.durationDays).toBe(5);
  });
});

describe("computeStats: trades", () => {
  const times = evenly(Date.UTC(2024, 0, 1), DAY, 10);
  const equity = [100, 100, 104, 98, 101, 101, 97, 99, 99, 107];
  // Three trades: a win of +10 % held 2 days, a loss of -5 % held 1 day (a reversal on bar
  // 4, which it shares with the previous trade's exit) and a win of +20 % held 5 days.
  const trades = [
    trade(1, 4, times, 8, 0.1, 0.5),
    trade(4, 5, times, -4, -0.05, 0.25),
    trade(6, 9, times, 12, 0.2, 1),
  ];
  const s = stats(times, equity, trades);

  it("covers entry to exit bar inclusive, a shared reversal bar once", () => {
    // Bars 1-5 and 6-9: 9 of 10.
    expectClose(s.exposureTimePct, 90);
  });

  it("computes win rate, best, worst and expectancy from the trade returns", () => {
    expect(s.trades).toBe(3);
    expectClose(s.winRatePct, (2 / 3) * 100);
    expectClose(s.bestTradePct, 20);
    expectClose(s.worstTradePct, -5);
    expectClose(s.expectancyPct, ((0.1 - 0.05 + 0.2) / 3) * 100);
  });

  it("takes the geometric mean of the trade returns as the average trade", () => {
    expectClose(s.avgTradePct, ((1.1 * 0.95 * 1.2) ** (1 / 3) - 1) * 100);
  });

  it("computes the profit factor on returns, not money", () => {
    expectClose(s.profitFactor, (0.1 + 0.2) / 0.05);
  });

  it("computes SQN and Kelly from the money", () => {
    // pnl 8, -4, 12: mean 16/3, sample std sqrt(((8/3)² + (28/3)² + (20/3)²) / 2).
    const mean = 16 / 3;
    const std = Math.sqrt(((8 / 3) ** 2 + (28 / 3) ** 2 + (20 / 3) ** 2) / 2);
    expectClose(s.sqn, (Math.sqrt(3) * mean) / std);
    // win rate 2/3, mean win 10, mean loss -4: 2/3 - (1/3) / (10 / 4).
    expectClose(s.kellyCriterion, 2 / 3 - 1 / 3 / (10 / 4));
  });

  it("sums both commissions of every trade", () => {
    expectClose(s.commissions, 2 * (0.5 + 0.25 + 1));
  });

  it("measures trade durations in days", () => {
    expect(s.maxTradeDurationDays).toBe(3);
    // (3 + 1 + 3) / 3 = 2.33 days, rounded up to the resolution: 3 days.
    expect(s.avgTradeDurationDays).toBe(3);
  });

  it("has no profit factor without a losing trade", () => {
    const r = stats(times, equity, [trades[0], trades[2]]);
    expect(r.profitFactor).toBeNaN();
    expect(r.winRatePct).toBe(100);
  });
});

describe("computeStats: returns, volatility and ratios on business days", () => {
  // Mon 2024-01-01 to Thu: no weekend bars, so 252 periods a year.
  const times = businessDays(Date.UTC(2024, 0, 1), 4);
  const equity = [100, 101, 99.99, 100.9899];
  const s = stats(times, equity);
  const r = [0.01, -0.01, 0.01];
  const g = (1.01 * 0.99 * 1.01) ** (1 / 3) - 1;
  const mean = 0.01 / 3;
  const variance = r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2;
  const returnAnn = (1 + g) ** 252 - 1;
  const volatilityAnn = Math.sqrt((variance + (1 + g) ** 2) ** 252 - (1 + g) ** 504);

  it("annualises the geometric mean daily return with 252", () => {
    expect(calendarOf(Float64Array.from(times)).annualPeriods).toBe(252);
    expectClose(s.returnAnnPct, returnAnn * 100);
  });

  it("annualises volatility as backtesting.py does", () => {
    expect(Math.abs(s.volatilityAnnPct - volatilityAnn * 100)).toBeLessThan(1e-9);
  });

  it("divides by volatility for Sharpe and by the downside deviation for Sortino", () => {
    expect(Math.abs(s.sharpeRatio - returnAnn / volatilityAnn)).toBeLessThan(1e-9);
    const downside = Math.sqrt((0.01 * 0.01) / 3) * Math.sqrt(252);
    expectClose(s.sortinoRatio, returnAnn / downside);
  });

  it("divides by the max drawdown for Calmar", () => {
    expectClose(s.maxDrawdownPct, -1);
    expectClose(s.calmarRatio, returnAnn / 0.01);
  });

  it("compounds over calendar days for CAGR", () => {
    expect(s.durationDays).toBe(3);
    expectClose(s.cagrPct, (1.009899 ** (365.25 / 3) - 1) * 100);
  });

  it("gives a zero annual return when a period loses everything", () => {
    const z = stats(businessDays(Date.UTC(2024, 0, 1), 4), [100, 110, 0, 0]);
    expect(z.returnAnnPct).toBe(0);
    expectClose(z.maxDrawdownPct, -100);
  });
});

describe("calendarOf: annualisation factor", () => {
  const factor = (times: readonly number[]) => calendarOf(Float64Array.from(times));

  it("7-day gaps: weekly, 52", () => {
    const c = factor(evenly(Date.UTC(2020, 0, 5), 7 * DAY, 120));
    expect([c.unit, c.annualPeriods]).toEqual(["week", 52]);
  });

  it("month ends: monthly, 12 (the median gap of 28-31 day months is 31 days)", () => {
    const ends = Array.from({ length: 60 }, (_, k) => Date.UTC(2015, k + 1, 0));
    const c = factor(ends);
    expect(c.periodMs).toBe(31 * DAY);
    expect([c.unit, c.annualPeriods]).toEqual(["month", 12]);
  });

  it("year ends: yearly, 1", () => {
    const c = factor(Array.from({ length: 20 }, (_, k) => Date.UTC(2000 + k, 11, 31)));
    expect([c.unit, c.annualPeriods]).toEqual(["year", 1]);
  });

  it("every calendar day, weekends included: daily, 365", () => {
    const c = factor(evenly(Date.UTC(2021, 0, 1), DAY, 400));
    expect([c.unit, c.annualPeriods]).toEqual(["day", 365]);
  });

  it("business days only: daily, 252", () => {
    const c = factor(businessDays(Date.UTC(2021, 0, 4), 400));
    expect([c.unit, c.annualPeriods]).toEqual(["day", 252]);
  });

  it("takes 365 only above 0.6 * 2/7 weekend bars", () => {
    // 100 daily bars of which 17 (17 %, below 17.14 %) fall on a weekend: 252.
    const weekdays = businessDays(Date.UTC(2021, 0, 4), 83);
    const saturdays = Array.from({ length: 17 }, (_, k) => Date.UTC(2021, 0, 9) + k * 7 * DAY);
    const below = [...weekdays, ...saturdays].sort((a, b) => a - b);
    expect(factor(below).annualPeriods).toBe(252);
    // One more Saturday (18 of 101, 17.8 %): 365.
    const above = [...below, Date.UTC(2021, 0, 9) + 17 * 7 * DAY].sort((a, b) => a - b);
    expect(factor(above).annualPeriods).toBe(365);
  });

  it("annualises weekly, monthly and yearly data with their own factor", () => {
    const grow = (n: number) => Array.from({ length: n }, (_, k) => 100 * 1.01 ** k);
    const weekly = evenly(Date.UTC(2020, 0, 5), 7 * DAY, 30);
    const monthly = Array.from({ length: 30 }, (_, k) => Date.UTC(2015, k + 1, 0));
    const yearly = Array.from({ length: 30 }, (_, k) => Date.UTC(1990 + k, 11, 31));
    expect(stats(weekly, grow(30)).returnAnnPct).toBeCloseTo((1.01 ** 52 - 1) * 100, 9);
    expect(stats(monthly, grow(30)).returnAnnPct).toBeCloseTo((1.01 ** 12 - 1) * 100, 9);
    expect(stats(yearly, grow(30)).returnAnnPct).toBeCloseTo(1, 9);
  });
});

describe("periodReturns: intraday data", () => {
  // Hourly bars 09:00-12:00 on three weekdays; the equity at each day's last bar is
  // 100, 110, 99, whatever it does during the day.
  const days = [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3), Date.UTC(2024, 0, 4)];
  const times = days.flatMap((d) => [9, 10, 11, 12].map((h) => d + h * HOUR));
  const equity = [100, 150, 50, 100, 100, 70, 130, 110, 110, 120, 200, 99];

  it("takes the return between the last bars of consecutive calendar days", () => {
    const calendar = calendarOf(Float64Array.from(times));
    expect(calendar.unit).toBe("day");
    expect(calendar.periodMs).toBe(HOUR);
    expect(Array.from(calendar.periodEnd)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = periodReturns(Float64Array.from(equity), calendar);
    expect(r).toHaveLength(2);
    expectClose(r[0], 0.1);
    expectClose(r[1], -0.1);
  });

  it("annualises those daily returns, and rounds durations to the hour", () => {
    const s = stats(times, equity);
    const g = Math.sqrt(1.1 * 0.9) - 1;
    expectClose(s.returnAnnPct, ((1 + g) ** 252 - 1) * 100);
    // Peaks at bars 0, 1 (150) and 10 (200). The one episode runs from bar 1 (day 1, 10:00)
    // to bar 10 (day 3, 11:00): 49 hours, 2/3 deep. The dip of the last bar alone is not
    // an episode, but it is a drawdown: 1 - 99/200 = 50.5 %, less than 2/3.
    expectClose(s.maxDrawdownPct, -(2 / 3) * 100);
    expectClose(s.avgDrawdownPct, -(2 / 3) * 100);
    expect(s.maxDrawdownDurationDays).toBe(49 / 24);
    expect(s.avgDrawdownDurationDays).toBe(49 / 24);
  });
});

describe("regression: Maximum call stack size exceeded on long trade lists", () => {
  // computeStats spread trade returns into Math.max/Math.min, which overflows the call stack
  // near 150,000 arguments. Statistics now take one pass over the trades.
  const N = 200_000;

  it("computes best, worst and the longest trade over 200,000 trades", () => {
    const times = evenly(Date.UTC(2000, 0, 3), DAY, N + 1);
    const trades: Trade[] = [];
    for (let k = 0; k < N; k++) {
      // Small alternating returns, the best trade last and the worst in the middle, and one
      // trade held three bars so that the longest duration is not the first one.
      const ret = k === N - 1 ? 0.5 : k === N / 2 ? -0.4 : k % 2 ? 0.01 : -0.01;
      const exit = k === 1000 ? k + 3 : k + 1;
      trades.push(trade(k, Math.min(exit, N), times, ret * 100, ret));
    }
    const equity = times.map((_, i) => 10_000 + (i % 2));
    const s = stats(times, equity, trades);
    expect(s.trades).toBe(N);
    expectClose(s.bestTradePct, 50);
    expectClose(s.worstTradePct, -40);
    expect(s.maxTradeDurationDays).toBe(3);
    expectClose(s.winRatePct, 50);
  });

  it("backtests a 200,010-bar zig-zag with sma-crossover 1/2: a trade on every bar", async () => {
    const { backtestContext, runBacktest } = await import("./backtest.ts");
    const { getStrategy } = await import("./strategies/index.ts");
    const n = N + 10;
    const bars = barsAt(
      evenly(Date.UTC(2000, 0, 3), DAY, n),
      Array.from({ length: n }, (_, i) => (i % 2 ? 100.0001 : 100)),
    );
    // Fast SMA(1) is the close and slow SMA(2) the mean of two closes: they cross on every
    // bar, so the long-short strategy reverses on every bar. Each reversal loses the tiny
    // swing, small enough that the account keeps its size over 200,000 trades.
    const r = runBacktest(backtestContext(bars), getStrategy("sma-crossover"), {
      fast: 1,
      slow: 2,
    });
    expect(r.stats.trades).toBeGreaterThanOrEqual(N);
    expect(r.stats.trades).toBe(r.trades.length);
    let best = Number.NEGATIVE_INFINITY;
    let worst = Number.POSITIVE_INFINITY;
    for (const t of r.trades) {
      best = Math.max(best, t.returnPct);
      worst = Math.min(worst, t.returnPct);
    }
    expect(r.stats.bestTradePct).toBe(best * 100);
    expect(r.stats.worstTradePct).toBe(worst * 100);
    expect(r.stats.maxTradeDurationDays).toBe(1);
  });
});

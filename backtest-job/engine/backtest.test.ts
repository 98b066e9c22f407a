// The development oracle of docs/execution-model.md: backtesting.py 0.6.6's own figures.
import { describe, expect, it } from "vitest";
import { backtestContext, runBacktest } from "./backtest.ts";
import type { Stats } from "./stats.ts";
import { getStrategy } from "./strategies/index.ts";
import { sharedBars } from "./test-support/shared-data.ts";

const expectRelative = (actual: number, expected: number, name: string) => {
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  // The oracle prints 6 decimals, so compare to 1e-6 relative or half a printed unit.
  expect(
    rel < 1e-6 || Math.abs(actual - expected) <= 5e-7,
    `${name}: ${actual} vs ${expected}`,
  ).toBe(true);
};

describe("development oracle: GOOG sma-crossover 10/20, commission 0.002", () => {
  const ctx = backtestContext(sharedBars("GOOG.csv"));
  const run = (finalizeTrades: boolean) =>
    runBacktest(
      ctx,
      getStrategy("sma-crossover"),
      { fast: 10, slow: 20 },
      { commission: 0.002, finalizeTrades },
    );

  it("matches every listed figure without finalizeTrades", () => {
    const expected: Partial<Stats> = {
      equityFinal: 56263.51934,
      equityPeak: 56309.05934,
      commissions: 10563.95154,
      returnPct: 462.635193,
      buyHoldReturnPct: 607.370361,
      returnAnnPct: 22.477536,
      volatilityAnnPct: 37.416415,
      cagrPct: 22.444642,
      sharpeRatio: 0.60074,
      sortinoRatio: 1.145087,
      calmarRatio: 0.662437,
      maxDrawdownPct: -33.931592,
      exposureTimePct: 94.273743,
      trades: 93,
      winRatePct: 52.688172,
      bestTradePct: 56.918681,
      worstTradePct: -16.829432,
      avgTradePct: 1.75814,
      profitFactor: 1.993488,
      expectancyPct: 2.29043,
      sqn: 1.584392,
      kellyCriterion: 0.209288,
    };
    const { stats } = run(false);
    for (const [name, value] of Object.entries(expected)) {
      expectRelative(stats[name as keyof Stats] as number, value as number, name);
    }
  });

  it("opens with a short of 59 units at bar 63 (169.02), closed at bar 75 (179.13)", () => {
    const first = run(false).trades[0];
    expect(first).toMatchObject({
      units: -59,
      entryBar: 63,
      entryPrice: 169.02,
      exitBar: 75,
      exitPrice: 179.13,
    });
  });

  it("matches the finalizeTrades figures", () => {
    const { stats } = run(true);
    expectRelative(stats.equityFinal, 55574.51294, "equityFinal");
    expect(stats.trades).toBe(94);
    expectRelative(stats.winRatePct, 53.191489, "winRatePct");
    expectRelative(stats.sharpeRatio, 0.596858, "sharpeRatio");
    expectRelative(stats.exposureTimePct, 97.067039, "exposureTimePct");
    expectRelative(stats.sqn, 1.791346, "sqn");
  });
});

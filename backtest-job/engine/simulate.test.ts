// Hand-computed fills, commissions and equity on a 12-bar series.
import { describe, expect, it } from "vitest";
import { parseOptions } from "./backtest.ts";
import { allocateBars } from "./bars.ts";
import { SIGNAL_EXIT_SHORT, SIGNAL_LONG, SIGNAL_SHORT, signalBuffer } from "./signals.ts";
import { simulate } from "./simulate.ts";

const OPEN = [10, 10, 11, 12, 13, 12, 11, 10, 10, 11, 12, 14];
const CLOSE = [10, 11, 12, 13, 12, 11, 10, 10, 11, 12, 13, 15];

function bars() {
  const b = allocateBars(OPEN.length);
  OPEN.forEach((o, i) => {
    b.time[i] = Date.UTC(2024, 0, 1 + i);
    b.open[i] = o;
    b.close[i] = CLOSE[i];
    b.high[i] = Math.max(o, CLOSE[i]) + 0.5;
    b.low[i] = Math.min(o, CLOSE[i]) - 0.5;
    b.volume[i] = 1000;
  });
  return b;
}

function signals(marks: Record<number, number>) {
  const buffer = signalBuffer(OPEN.length);
  for (const [i, bits] of Object.entries(marks)) {
    buffer.bars[buffer.count] = Number(i);
    buffer.bits[buffer.count++] = bits;
  }
  return buffer;
}

const REVERSAL = signals({ 2: SIGNAL_LONG, 4: SIGNAL_SHORT, 6: SIGNAL_EXIT_SHORT });

describe("simulate: hand-computed 12-bar case, cash 1000, commission 1%", () => {
  it("fills at the next open, reverses at one price and charges commission both ways", () => {
    const sim = simulate(bars(), REVERSAL, 2, parseOptions({ cash: 1000, commission: 0.01 }));
    // Long: floor(1000 (1 - eps) / (12 * 1.01)) = 82 units at bar 3's open 12, fee 9.84.
    // Reversal at bar 5's open 12: exit fee 9.84, then floor(980.32 / 12.12) = 80 short, fee 9.6.
    // Cover at bar 7's open 10: fee 8, gross 160.
    expect(sim.trades).toHaveLength(2);
    const [long, short] = sim.trades;
    expect(long).toMatchObject({
      entryBar: 3,
      exitBar: 5,
      units: 82,
      entryPrice: 12,
      exitPrice: 12,
    });
    expect(long.pnl).toBeCloseTo(-19.68, 10);
    expect(long.returnPct).toBeCloseTo(-0.02, 12);
    expect(short).toMatchObject({
      entryBar: 5,
      exitBar: 7,
      units: -80,
      entryPrice: 12,
      exitPrice: 10,
    });
    expect(short.entryCommission).toBeCloseTo(9.6, 10);
    expect(short.exitCommission).toBeCloseTo(8, 10);
    expect(short.pnl).toBeCloseTo(142.4, 10);
    expect(short.returnPct).toBeCloseTo(1 / 6 - 17.6 / 960, 12);
    const expected = [
      1000, 1000, 1000, 1072.16, 990.16, 1050.72, 1130.72, 1122.72, 1122.72, 1122.72, 1122.72,
      1122.72,
    ];
    for (const [i, e] of expected.entries()) expect(sim.equity[i], `bar ${i}`).toBeCloseTo(e, 9);
    expect(sim.openTrade).toBeUndefined();
  });

  it("with tradeOnClose fills at the signal bar's close, which is also the entry bar", () => {
    const sim = simulate(
      bars(),
      REVERSAL,
      2,
      parseOptions({ cash: 1000, commission: 0.01, tradeOnClose: true }),
    );
    expect(
      sim.trades.map((t) => [t.entryBar, t.exitBar, t.units, t.entryPrice, t.exitPrice]),
    ).toEqual([
      [2, 4, 82, 12, 12],
      [4, 6, -80, 12, 10],
    ]);
    // Equity at a fill bar is marked before the fill, as backtesting.py records it.
    expect(sim.equity[2]).toBe(1000);
    expect(sim.equity[3]).toBeCloseTo(1072.16, 9);
    expect(sim.equity[7]).toBeCloseTo(1122.72, 9);
  });

  it("long-only turns the short entry into an exit and ignores the short exit", () => {
    const sim = simulate(
      bars(),
      REVERSAL,
      2,
      parseOptions({ cash: 1000, commission: 0.01, mode: "long-only" }),
    );
    expect(sim.trades).toHaveLength(1);
    expect(sim.trades[0]).toMatchObject({ entryBar: 3, exitBar: 5, units: 82 });
    expect(sim.equity[11]).toBeCloseTo(980.32, 9);
  });

  it("keeps a trade open at the end out of the trades, or closes it at the last open when finalizing", () => {
    const late = signals({ 8: SIGNAL_LONG });
    const open = simulate(bars(), late, 2, parseOptions({ cash: 1000 }));
    expect(open.trades).toHaveLength(0);
    // floor(1000 (1 - eps) / 11) = 90 units at bar 9's open 11; equity at the last close 15.
    expect(open.openTrade).toMatchObject({ entryBar: 9, units: 90 });
    expect(open.equity[11]).toBeCloseTo(10 + 90 * 15, 9);
    const fin = simulate(bars(), late, 2, parseOptions({ cash: 1000, finalizeTrades: true }));
    expect(fin.trades).toHaveLength(1);
    expect(fin.trades[0]).toMatchObject({ exitBar: 11, exitPrice: 14 });
    expect(fin.equity[11]).toBeCloseTo(10 + 90 * 14, 9);
    expect(fin.openTrade).toBeUndefined();
  });

  it("finalizes under trade-on-close at the previous bar's close, as backtesting.py re-runs its broker", () => {
    // Long from bar 8's close 11: floor(1000 (1 - eps) / 11) = 90 units, entry bar 8.
    // finalize_trades re-runs the last bar's fills, which under trade-on-close take bar 10's
    // close 13 (bar 10), not bar 11's open 14.
    const fin = simulate(
      bars(),
      signals({ 8: SIGNAL_LONG }),
      2,
      parseOptions({ cash: 1000, finalizeTrades: true, tradeOnClose: true }),
    );
    expect(fin.trades).toHaveLength(1);
    expect(fin.trades[0]).toMatchObject({
      entryBar: 8,
      entryPrice: 11,
      exitBar: 10,
      exitPrice: 13,
    });
    expect(fin.equity[11]).toBe(10 + 90 * 13);
  });

  it("fills an order placed at the last bar only when finalizing, and leaves its trade open", () => {
    const last = signals({ 11: SIGNAL_LONG });
    const plain = simulate(bars(), last, 2, parseOptions({ cash: 1000 }));
    expect(plain.trades).toHaveLength(0);
    expect(plain.openTrade).toBeUndefined();
    expect(plain.equity[11]).toBe(1000);
    // finalize_trades fills it at the last open 14: floor(1000 (1 - eps) / 14) = 71 units,
    // marked at the last close 15 and kept out of the trade statistics.
    const fin = simulate(bars(), last, 2, parseOptions({ cash: 1000, finalizeTrades: true }));
    expect(fin.trades).toHaveLength(0);
    expect(fin.openTrade).toMatchObject({ entryBar: 11, entryPrice: 14, units: 71 });
    expect(fin.equity[11]).toBe(1000 - 71 * 14 + 71 * 15);
    // Under trade-on-close it fills at bar 10's close 13: 76 units.
    const onClose = simulate(
      bars(),
      last,
      2,
      parseOptions({ cash: 1000, finalizeTrades: true, tradeOnClose: true }),
    );
    expect(onClose.openTrade).toMatchObject({ entryBar: 10, entryPrice: 13, units: 76 });
    expect(onClose.equity[11]).toBe(1000 + 76 * 2);
  });

  it("finalizes a reversal on the last bar: closes the trade, then opens the new one", () => {
    const sim = simulate(
      bars(),
      signals({ 8: SIGNAL_LONG, 11: SIGNAL_SHORT }),
      2,
      parseOptions({ cash: 1000, finalizeTrades: true }),
    );
    // The long (90 units from 11) closes at 14: cash 1270, which shorts floor(1270 / 14) = 90.
    expect(sim.trades).toHaveLength(1);
    expect(sim.trades[0]).toMatchObject({ entryBar: 9, exitBar: 11, exitPrice: 14 });
    expect(sim.openTrade).toMatchObject({ entryBar: 11, entryPrice: 14, units: -90 });
    expect(sim.equity[11]).toBe(1270 - 90 * (15 - 14));
  });

  it("drops an order too small for one unit", () => {
    const sim = simulate(bars(), REVERSAL, 2, parseOptions({ cash: 11 }));
    expect(sim.trades).toHaveLength(0);
    expect([...sim.equity].every((e) => e === 11)).toBe(true);
  });

  it("stops when equity reaches zero: closes at that close and zeroes the rest", () => {
    const b = bars();
    b.close[6] = 30; // the short from bar 5 (80 units at 12) is ruined at bar 6
    const sim = simulate(b, REVERSAL, 2, parseOptions({ cash: 1000 }));
    const ruin = sim.trades.at(-1)!;
    expect(ruin).toMatchObject({ exitBar: 6, exitPrice: 30 });
    expect([...sim.equity.subarray(6)].every((e) => e === 0)).toBe(true);
  });
});

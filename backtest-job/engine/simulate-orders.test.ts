// Hand-built bars for sized entries, stop-losses and take-profits (backtesting.py 0.6.6 rules).
import { describe, expect, it } from "vitest";
import { parseOptions } from "./backtest.ts";
import { allocateBars, type Bars } from "./bars.ts";
import type { BacktestOptionsInput } from "./options.ts";
import type { OrderRules } from "./order-rules.ts";
import {
  SIGNAL_EXIT_LONG,
  SIGNAL_LONG,
  SIGNAL_SHORT,
  type SignalBuffer,
  signalBuffer,
} from "./signals.ts";
import { entryUnits, floorDiv, simulate } from "./simulate.ts";

type Row = readonly [open: number, high: number, low: number, close: number];

/** A quiet bar at 100, the default before and after the bars a test cares about. */
const FLAT: Row = [100, 101, 99, 100];

function barsOf(rows: readonly Row[]): Bars {
  const b = allocateBars(rows.length);
  rows.forEach(([o, h, l, c], i) => {
    b.time[i] = Date.UTC(2024, 0, 1 + i);
    b.open[i] = o;
    b.high[i] = h;
    b.low[i] = l;
    b.close[i] = c;
    b.volume[i] = 1000;
  });
  return b;
}

function signalsOf(n: number, marks: Record<number, number>): SignalBuffer {
  const buffer = signalBuffer(n);
  for (const [i, bits] of Object.entries(marks)) {
    buffer.bars[buffer.count] = Number(i);
    buffer.bits[buffer.count++] = bits;
  }
  return buffer;
}

/** Runs `rows` with `marks` from bar 1, cash 10,000 unless `options` say otherwise. */
function run(
  rows: readonly Row[],
  marks: Record<number, number>,
  rules: OrderRules,
  options: BacktestOptionsInput = {},
) {
  const opts = parseOptions({ cash: 10_000, ...options });
  return simulate(barsOf(rows), signalsOf(rows.length, marks), 1, opts, rules);
}

const percent = (p: number) => ({ kind: "percent", percent: p }) as const;
const STOP_2 = { size: 1, stopLoss: percent(2) } satisfies OrderRules;
const PROFIT_4 = { size: 1, takeProfit: percent(4) } satisfies OrderRules;
const BOTH = { size: 1, stopLoss: percent(2), takeProfit: percent(4) } satisfies OrderRules;

// A long signalled at bar 1 (close 100) enters at bar 2's open 100 with 99 units
// (floor(10,000 (1 - eps) / 100)); its 2 % stop is 98 and its 4 % take-profit 104.
const entryBars = (...rest: Row[]): Row[] => [FLAT, FLAT, FLAT, ...rest, FLAT];

describe("stop-loss and take-profit fills", () => {
  it("a stop fills when the low touches it exactly (low <= stop), at the stop", () => {
    const sim = run(entryBars([100, 101, 98, 99]), { 1: SIGNAL_LONG }, STOP_2);
    expect(sim.trades).toHaveLength(1);
    expect(sim.trades[0]).toMatchObject({ entryBar: 2, exitBar: 3, units: 99, exitPrice: 98 });
    const missed = run(entryBars([100, 101, 98.0001, 99]), { 1: SIGNAL_LONG }, STOP_2);
    expect(missed.trades).toHaveLength(0);
    expect(missed.openTrade?.entryBar).toBe(2);
  });

  it("a take-profit fills when the high touches it exactly (high >= limit), at the limit", () => {
    const sim = run(entryBars([100, 104, 99, 103]), { 1: SIGNAL_LONG }, PROFIT_4);
    expect(sim.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 104 });
    expect(sim.trades[0].pnl).toBeCloseTo(99 * 4, 9);
  });

  it("a gap through the stop fills at the open; a gap over the take-profit too, to our gain", () => {
    const stop = run(entryBars([95, 96, 94, 95]), { 1: SIGNAL_LONG }, BOTH);
    expect(stop.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 95 });
    const profit = run(entryBars([107, 108, 106, 107]), { 1: SIGNAL_LONG }, BOTH);
    expect(profit.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 107 });
  });

  it("when one bar reaches both, the stop-loss goes first (its order heads the queue)", () => {
    const sim = run(entryBars([100, 105, 97, 101]), { 1: SIGNAL_LONG }, BOTH);
    expect(sim.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 98 });
  });

  it("mirrors a short: stop above at 102 on the high, take-profit below at 96 on the low", () => {
    const stop = run(entryBars([100, 102, 99, 101]), { 1: SIGNAL_SHORT }, BOTH);
    expect(stop.trades[0]).toMatchObject({ units: -99, exitBar: 3, exitPrice: 102 });
    const gap = run(entryBars([103, 104, 102.5, 103]), { 1: SIGNAL_SHORT }, BOTH);
    expect(gap.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 103 });
    const profit = run(entryBars([99, 100, 96, 97]), { 1: SIGNAL_SHORT }, BOTH);
    expect(profit.trades[0]).toMatchObject({ exitBar: 3, exitPrice: 96 });
  });

  it("brackets the bar a market entry filled in (backtesting.py issue 119)", () => {
    const rows: Row[] = [FLAT, FLAT, [100, 101, 97, 99], FLAT];
    const sim = run(rows, { 1: SIGNAL_LONG }, STOP_2);
    expect(sim.trades[0]).toMatchObject({
      entryBar: 2,
      exitBar: 2,
      entryPrice: 100,
      exitPrice: 98,
    });
    expect(sim.equity[2]).toBeCloseTo(10_000 - 99 * 2, 9);
  });

  it("under trade-on-close enters at the signal close and brackets from the next bar", () => {
    // The signal bar's own low (90) is before the entry and does not count.
    const rows: Row[] = [FLAT, [100, 101, 90, 100], [97, 99, 96, 98], FLAT];
    const sim = run(rows, { 1: SIGNAL_LONG }, STOP_2, { tradeOnClose: true });
    // The stop is a contingent order: it fills at bar 2's open, 97, even under trade-on-close.
    expect(sim.trades[0]).toMatchObject({
      entryBar: 1,
      exitBar: 2,
      entryPrice: 100,
      exitPrice: 97,
    });
  });

  it("a reversal cancels the old bracket; the new one is measured from its own signal close", () => {
    const rows: Row[] = [
      FLAT,
      FLAT,
      FLAT,
      [100, 101, 99, 110],
      [110, 111, 107.5, 109],
      [109, 110, 108, 109],
    ];
    const sim = run(rows, { 1: SIGNAL_LONG, 3: SIGNAL_SHORT }, BOTH);
    // Long at bar 2's open 100 (stop 98, take-profit 104, never reached); reversed at bar 4's
    // open 110. The short's bracket comes from bar 3's close 110: stop 112.2, target 105.6.
    expect(sim.trades).toHaveLength(1);
    expect(sim.trades[0]).toMatchObject({ entryBar: 2, exitBar: 4, exitPrice: 110 });
    expect(sim.openTrade).toMatchObject({ entryBar: 4, entryPrice: 110 });
    const hit = run(
      [...rows.slice(0, 5), [106, 107, 105, 106], FLAT],
      { 1: SIGNAL_LONG, 3: SIGNAL_SHORT },
      BOTH,
    );
    expect(hit.trades[1]).toMatchObject({
      entryBar: 4,
      exitBar: 5,
      exitPrice: 110 * (1 - 4 / 100),
    });
  });

  it("after a stop the position is flat: an exit signal does nothing, an entry re-enters", () => {
    const rows: Row[] = [FLAT, FLAT, [100, 101, 97, 99], FLAT, FLAT, FLAT, FLAT];
    const sim = run(rows, { 1: SIGNAL_LONG, 3: SIGNAL_EXIT_LONG, 4: SIGNAL_LONG }, STOP_2);
    expect(sim.trades).toHaveLength(1);
    expect(sim.openTrade).toMatchObject({ entryBar: 5 });
  });

  it("finalize's re-run fills a last-bar signal and brackets it against the last bar", () => {
    const rows: Row[] = [FLAT, FLAT, FLAT, [100, 101, 97, 100]];
    const sim = run(rows, { 3: SIGNAL_LONG }, STOP_2, { finalizeTrades: true });
    expect(sim.trades).toHaveLength(1);
    expect(sim.trades[0]).toMatchObject({
      entryBar: 3,
      exitBar: 3,
      entryPrice: 100,
      exitPrice: 98,
    });
    expect(sim.openTrade).toBeUndefined();
    const kept = run(rows, { 3: SIGNAL_LONG }, PROFIT_4, { finalizeTrades: true });
    expect(kept.trades).toHaveLength(0);
    expect(kept.openTrade).toMatchObject({ entryBar: 3 });
  });

  it("drops a level backtesting.py could not place instead of failing", () => {
    // An ATR of 0 puts the stop on the close, NaN nowhere: the trade has no stop.
    const zero = new Float64Array(7);
    const atr0 = { size: 1, stopLoss: { kind: "atr", multiple: 2, atr: zero } } as const;
    const rows: Row[] = [FLAT, FLAT, [100, 101, 50, 99], FLAT, FLAT, FLAT, FLAT];
    expect(run(rows, { 1: SIGNAL_LONG }, atr0).trades).toHaveLength(0);
    const nan = new Float64Array(7).fill(Number.NaN);
    const atrNaN = { size: 1, stopLoss: { kind: "atr", multiple: 2, atr: nan } } as const;
    expect(run(rows, { 1: SIGNAL_LONG }, atrNaN).trades).toHaveLength(0);
    // A short's 100 % take-profit is at price 0: backtesting.py places no order for 0.
    const free = run(
      [FLAT, FLAT, [100, 101, 0.01, 99], FLAT],
      { 1: SIGNAL_SHORT },
      { size: 1, takeProfit: percent(100) },
    );
    expect(free.trades).toHaveLength(0);
  });
});

describe("sized entries", () => {
  it("buys whole units of the size's share of the cash, after commission", () => {
    const sim = run(entryBars(FLAT), { 1: SIGNAL_LONG }, { size: 0.5 }, { commission: 0.01 });
    // floor(10,000 x 0.5 / (100 + 100 x 0.01)) = 49
    expect(sim.openTrade?.units).toBe(49);
    const quarter = run(entryBars(FLAT), { 1: SIGNAL_SHORT }, { size: 0.25 });
    expect(quarter.openTrade?.units).toBe(-25);
  });

  it("cancels an entry the size cannot buy one unit of", () => {
    const sim = run(entryBars(FLAT), { 1: SIGNAL_LONG }, { size: 0.25 }, { cash: 300 });
    expect(sim.openTrade).toBeUndefined();
    expect(sim.equity[sim.equity.length - 1]).toBe(300);
  });

  it("is backtesting.py's arithmetic to the unit, where a naive formula is one off", () => {
    // Cases found by search and their units computed by Python 3.11:
    // int((cash * size) // (price + (size * price * commission) / size)).
    expect(entryUnits(628891.3321199999, 285.03, 0.002, 0.5)).toBe(1100);
    expect(entryUnits(256304.66666666666, 93.77, 0, 0.3)).toBe(819);
    expect(entryUnits(768381.6959999999, 199.7, 0.002, 0.1)).toBe(384);
    expect(entryUnits(4594931.3196, 483.39, 0.002, 0.3)).toBe(2845);
    expect(Math.floor((628891.3321199999 * 0.5) / (285.03 + 285.03 * 0.002))).toBe(1101);
  });

  it("floor-divides as Python does, where rounding the quotient first is one too many", () => {
    const a = 628891.3321199999 * 0.5;
    const b = 285.03 + (0.5 * 285.03 * 0.002) / 0.5;
    expect(Math.floor(a / b)).toBe(1101);
    expect(floorDiv(a, b)).toBe(1100);
    expect(floorDiv(7, 2)).toBe(3);
    expect(floorDiv(6, 2)).toBe(3);
  });
});

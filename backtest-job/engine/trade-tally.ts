// Running totals of closed trades, for the sweep kernel's summary statistics.
import { tradeReturn } from "./trade.ts";

/** Counts closed trades without storing them; called once per trade, never per bar. */
export class TradeTally {
  trades = 0;
  wins = 0;
  gains = 0;
  losses = 0;
  /** Bars inside counted trades, each bar once even where a reversal shares it. */
  coveredBars = 0;
  #lastCovered = -1;

  /** Starts counting afresh, so one tally serves a whole sweep. */
  reset(): void {
    this.trades = 0;
    this.wins = 0;
    this.gains = 0;
    this.losses = 0;
    this.coveredBars = 0;
    this.#lastCovered = -1;
  }

  /** Records a trade closed at `exitPrice` on `exitBar` (same arithmetic as simulate.ts). */
  add(
    units: number,
    entryPrice: number,
    exitPrice: number,
    entryCommission: number,
    exitCommission: number,
    entryBar: number,
    exitBar: number,
  ): void {
    const pnl = units * (exitPrice - entryPrice) - entryCommission - exitCommission;
    const ret = tradeReturn(units, entryPrice, exitPrice, entryCommission + exitCommission);
    this.trades++;
    if (pnl > 0) this.wins++;
    if (ret > 0) this.gains += ret;
    else if (ret < 0) this.losses += ret;
    const from = entryBar > this.#lastCovered ? entryBar : this.#lastCovered + 1;
    this.coveredBars += exitBar - from + 1;
    this.#lastCovered = exitBar;
  }
}

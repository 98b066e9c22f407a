// A closed (or still open) round trip of one position.

/** One trade. `units` is negative for a short; bars are indices into the data. */
export interface Trade {
  readonly entryBar: number;
  readonly exitBar: number;
  readonly entryTime: number;
  readonly exitTime: number;
  readonly units: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly entryCommission: number;
  readonly exitCommission: number;
  /** Money made, after both commissions. */
  readonly pnl: number;
  /** Fractional return after commissions (backtesting.py `Trade.pl_pct`), not x100. */
  readonly returnPct: number;
}

/** Fractional return of a trade: direction-signed price return less commissions. */
export function tradeReturn(
  units: number,
  entryPrice: number,
  exitPrice: number,
  commissions: number,
): number {
  const direction = units > 0 ? 1 : -1;
  return direction * (exitPrice / entryPrice - 1) - commissions / (Math.abs(units) * entryPrice);
}

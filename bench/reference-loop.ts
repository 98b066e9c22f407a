// The bare reference loop the engine's speed is compared with: an SMA crossover on typed
// arrays that computes only the final equity, from SMA arrays computed in advance.

/**
 * Final equity of a stop-and-reverse SMA crossover, all-in whole units filled at the next
 * open, no commission and no statistics. It is what a hand-written loop costs, nothing more.
 */
export function referenceFinalEquity(
  open: Float64Array,
  close: Float64Array,
  fast: Float64Array,
  slow: Float64Array,
  start: number,
  cash: number,
): number {
  const n = close.length;
  let money = +cash;
  let units = 0;
  let entry = 0;
  let pending = 0;
  for (let i = start; i < n; i++) {
    if (pending !== 0) {
      const price = open[i];
      if (units !== 0) {
        money += units * (price - entry);
        units = 0;
      }
      units = pending * Math.floor(money / price);
      entry = price;
      pending = 0;
    }
    const f0 = fast[i - 1];
    const s0 = slow[i - 1];
    const f1 = fast[i];
    const s1 = slow[i];
    if (f0 < s0 && f1 > s1) {
      if (units <= 0) pending = 1;
    } else if (s0 < f0 && s1 > f1 && units >= 0) pending = -1;
  }
  return money + units * (close[n - 1] - entry);
}

/**
 * Final equity of a stop-and-reverse MACD crossover, from the fast and slow EMAs computed in
 * advance (`fast < slow`): one fused loop forms the MACD line, its signal EMA (seeded with
 * the mean of its first `signal` values) and the crossovers, with the fills of
 * {@link referenceFinalEquity}. The per-combination work a hand-written MACD sweep cannot avoid.
 */
export function referenceMacdFinalEquity(
  open: Float64Array,
  close: Float64Array,
  fastEma: Float64Array,
  slowEma: Float64Array,
  slow: number,
  signal: number,
  cash: number,
): number {
  const n = close.length;
  const decay = (signal - 1) / (signal + 1);
  const first = slow - 1;
  const defined = first + signal - 1;
  if (defined + 1 >= n) return cash;
  let seed = 0;
  for (let i = first; i <= defined; i++) seed += fastEma[i] - slowEma[i];
  let sig = seed / signal;
  let line = fastEma[defined] - slowEma[defined];
  let money = +cash;
  let units = 0;
  let entry = 0;
  let pending = 0;
  for (let i = defined + 1; i < n; i++) {
    if (pending !== 0) {
      const price = open[i];
      if (units !== 0) {
        money += units * (price - entry);
        units = 0;
      }
      units = pending * Math.floor(money / price);
      entry = price;
      pending = 0;
    }
    const l0 = line;
    const s0 = sig;
    line = fastEma[i] - slowEma[i];
    sig = line + decay * (sig - line);
    if (l0 < s0 && line > sig) {
      if (units <= 0) pending = 1;
    } else if (s0 < l0 && sig > line && units >= 0) pending = -1;
  }
  return money + units * (close[n - 1] - entry);
}

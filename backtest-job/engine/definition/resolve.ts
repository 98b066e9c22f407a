// Fills a kernel plan's slots for one combination: series from the indicator cache, numbers from params.
import { firstDefined, type IndicatorCache } from "../indicator-cache.ts";
import type { Params } from "../strategy.ts";
import type { NumNode } from "./ast.ts";
import type { KernelPlan, SeriesSlot } from "./plan.ts";

/** The value of a number of the definition under `params`. */
export function numValue(node: NumNode, params: Params): number {
  return node.kind === "number" ? node.value : params[node.name];
}

type Bollinger = Extract<SeriesSlot, { kind: "bollinger" }>;
type Macd = Extract<SeriesSlot, { kind: "macd" }>;
type Lines = ReturnType<IndicatorCache["macd"]>;

const EMPTY = new Float64Array(0);

/**
 * The series and numbers a definition's kernel reads, refilled for each combination in the
 * same arrays, so a sweep allocates nothing per combination. The Bollinger bands and MACD
 * lines of {@link IndicatorCache} live in scratch buffers that the next call overwrites:
 * when every such node of a combination shares one call's arguments, they are read in
 * place; otherwise each is copied into a buffer of its own, kept per data set.
 */
export class SlotResolver {
  /** `series[k]` is series slot k for the last combination resolved. */
  readonly series: Float64Array[];
  /** `numbers[k]` is number slot k for the last combination resolved. */
  readonly numbers: Float64Array;
  readonly #plan: KernelPlan;
  readonly #bollinger: number[] = [];
  readonly #macd: number[] = [];
  // Buffers of the copied lines and computed histograms, per data set and series slot.
  readonly #owned = new WeakMap<IndicatorCache, Float64Array[]>();

  constructor(plan: KernelPlan) {
    this.#plan = plan;
    this.series = plan.series.map(() => EMPTY);
    this.numbers = new Float64Array(plan.numbers.length);
    plan.series.forEach((s, k) => {
      if (s.kind === "bollinger") this.#bollinger.push(k);
      if (s.kind === "macd") this.#macd.push(k);
    });
  }

  /**
   * Resolves every slot for `params` and returns the warm-up bar: the latest first defined
   * bar of every indicator of the definition (rules, unused named series and ATR levels
   * alike, as backtesting.py counts every `self.I`), or 0 without indicators.
   */
  resolve(ind: IndicatorCache, params: Params): number {
    const plan = this.#plan;
    const numbers = this.numbers;
    for (let k = 0; k < plan.numbers.length; k++) {
      const slot = plan.numbers[k];
      let v = slot.offset;
      for (const term of slot.terms) v += numValue(term, params);
      numbers[k] = v;
    }
    const series = this.series;
    for (let k = 0; k < plan.series.length; k++) {
      const s = plan.series[k];
      switch (s.kind) {
        case "field":
          series[k] = ind.bars[s.field];
          break;
        case "sma":
        case "ema":
        case "rsi":
        case "atr":
          series[k] = ind[s.kind](numValue(s.period, params));
          break;
        case "donchian":
          series[k] = ind.donchian(numValue(s.period, params))[s.band];
          break;
      }
    }
    if (this.#bollinger.length > 0) this.#resolveBollinger(ind, params);
    if (this.#macd.length > 0) this.#resolveMacd(ind, params);
    let warmup = 0;
    for (const k of plan.indicators) warmup = Math.max(warmup, firstDefined(series[k]));
    return warmup;
  }

  #own(ind: IndicatorCache, k: number): Float64Array {
    let owned = this.#owned.get(ind);
    if (owned === undefined) {
      owned = this.#plan.series.map(() => EMPTY);
      this.#owned.set(ind, owned);
    }
    if (owned[k].length !== ind.bars.length) owned[k] = new Float64Array(ind.bars.length);
    return owned[k];
  }

  #resolveBollinger(ind: IndicatorCache, params: Params): void {
    const slots = this.#bollinger;
    const first = this.#plan.series[slots[0]] as Bollinger;
    const period = numValue(first.period, params);
    const stdDev = numValue(first.stdDev, params);
    let shared = true;
    for (const k of slots) {
      const s = this.#plan.series[k] as Bollinger;
      if (numValue(s.period, params) !== period || numValue(s.stdDev, params) !== stdDev) {
        shared = false;
      }
    }
    if (shared) {
      const bands = ind.bollinger(period, stdDev);
      for (const k of slots) this.series[k] = bands[(this.#plan.series[k] as Bollinger).band];
      return;
    }
    for (const k of slots) {
      const s = this.#plan.series[k] as Bollinger;
      const bands = ind.bollinger(numValue(s.period, params), numValue(s.stdDev, params));
      // The middle band is the memoised SMA, not a scratch line.
      this.series[k] = s.band === "middle" ? bands.middle : copy(bands[s.band], this.#own(ind, k));
    }
  }

  #resolveMacd(ind: IndicatorCache, params: Params): void {
    const slots = this.#macd;
    const first = this.#plan.series[slots[0]] as Macd;
    const fast = numValue(first.fast, params);
    const slow = numValue(first.slow, params);
    // The signal span every signal or histogram node shares, NaN while none is seen.
    let signal = Number.NaN;
    let shared = true;
    for (const k of slots) {
      const s = this.#plan.series[k] as Macd;
      if (numValue(s.fast, params) !== fast || numValue(s.slow, params) !== slow) shared = false;
      if (s.line === "macd" || s.signal === undefined) continue;
      const span = numValue(s.signal, params);
      if (Number.isNaN(signal)) signal = span;
      else if (span !== signal) shared = false;
    }
    if (shared) {
      const m = Number.isNaN(signal) ? undefined : ind.macd(fast, slow, signal);
      const line = m?.macd ?? ind.macdLine(fast, slow);
      for (const k of slots) {
        const s = this.#plan.series[k] as Macd;
        // parse.ts requires `signal` for these lines, so `m` is set whenever they occur.
        if (s.line === "macd") this.series[k] = line;
        else if (s.line === "signal") this.series[k] = (m as Lines).signal;
        else this.series[k] = histogram(line, (m as Lines).signal, this.#own(ind, k));
      }
      return;
    }
    for (const k of slots) {
      const s = this.#plan.series[k] as Macd;
      const f = numValue(s.fast, params);
      const sl = numValue(s.slow, params);
      if (s.line === "macd") {
        this.series[k] = copy(ind.macdLine(f, sl), this.#own(ind, k));
        continue;
      }
      const m = ind.macd(f, sl, numValue(s.signal as NumNode, params));
      this.series[k] =
        s.line === "signal"
          ? copy(m.signal, this.#own(ind, k))
          : histogram(m.macd, m.signal, this.#own(ind, k));
    }
  }
}

function copy(from: Float64Array, to: Float64Array): Float64Array {
  to.set(from);
  return to;
}

/** The MACD histogram, line minus signal: NaN wherever either is. */
function histogram(line: Float64Array, signal: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = line[i] - signal[i];
  return out;
}

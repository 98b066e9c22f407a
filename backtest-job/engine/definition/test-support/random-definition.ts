// Test-only: small random strategy definitions over the whole language, reproducible from a seed.
import { uniformSampler } from "../../random.ts";
import type { Params } from "../../strategy.ts";
import type { Cond, Definition, Expr, Level, Num } from "../schema.ts";

/** A random definition, one valid combination of its parameters and a small grid of them. */
export interface RandomDefinition {
  readonly definition: Definition;
  readonly params: Params;
  readonly grid: Record<string, number[]>;
}

/** A random generator of the pieces of a definition, sharing one stream of numbers. */
export class DefinitionSampler {
  readonly next: () => number;
  readonly used = new Set<"p" | "q" | "level">();
  readonly names: string[] = [];

  constructor(seed: number) {
    this.next = uniformSampler(seed);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }

  /** A period: a literal, or the parameter `p`. */
  period(): Num {
    if (this.next() < 0.3) {
      this.used.add("p");
      return { param: "p" };
    }
    return this.int(1, 12);
  }

  /** A bar count: a literal, or the parameter `q`. */
  bars(): Num {
    if (this.next() < 0.25) {
      this.used.add("q");
      return { param: "q" };
    }
    return this.int(1, 4);
  }

  expr(depth: number): Expr {
    if (depth >= 3 || this.next() < 0.35) {
      const leaves: (() => Expr)[] = [
        () => this.pick(["open", "high", "low", "close", "volume"] as const),
        () => "close",
        () => Math.round(this.int(9000, 11000)) / 100,
        () => {
          this.used.add("level");
          return { param: "level" };
        },
      ];
      if (this.names.length > 0) leaves.push(() => this.pick(this.names));
      return this.pick(leaves)();
    }
    const band = () => this.pick(["upper", "middle", "lower"] as const);
    const kinds: (() => Expr)[] = [
      () => ({ sma: { period: this.period() } }),
      () => ({ ema: { period: this.period() } }),
      () => ({ rsi: { period: this.period() } }),
      () => ({ atr: { period: this.period() } }),
      () => ({
        bollinger: { period: this.period(), stdDev: this.pick([0.5, 1, 2]), band: band() },
      }),
      () => {
        const line = this.pick(["macd", "signal", "histogram"] as const);
        const signal = line === "macd" && this.next() < 0.5 ? undefined : this.period();
        return {
          macd: { fast: this.period(), slow: this.int(2, 14), line, ...(signal && { signal }) },
        };
      },
      () => ({ donchian: { period: this.period(), band: band() } }),
      () => ({ previous: this.expr(depth + 1) }),
      () => ({ previous: this.expr(depth + 1), bars: this.bars() }),
    ];
    return this.pick(kinds)();
  }

  pair(depth: number): [Expr, Expr] {
    return [this.expr(depth + 1), this.expr(depth + 1)];
  }

  cond(depth: number): Cond {
    if (depth >= 3 || this.next() < 0.45) {
      const op = this.pick(["crossesAbove", "crossesBelow", "<", "<=", ">", ">="] as const);
      return { [op]: this.pair(depth) } as unknown as Cond;
    }
    const kinds: (() => Cond)[] = [
      () => ({ and: [this.cond(depth + 1), this.cond(depth + 1)] }),
      () => ({ or: [this.cond(depth + 1), this.cond(depth + 1), this.cond(depth + 1)] }),
      () => ({ not: this.cond(depth + 1) }),
      () => ({ heldFor: { bars: this.bars(), condition: this.cond(depth + 1) } }),
    ];
    return this.pick(kinds)();
  }

  /** Declarations, a combination and a grid for the parameters used so far. */
  parameters(): Pick<RandomDefinition, "params" | "grid"> & {
    parameters: Definition["parameters"];
  } {
    const declared = {
      p: { integer: true, min: 1, max: 30 },
      q: { integer: true, min: 1, max: 5 },
      level: { min: 0, max: 200 },
    };
    const values = {
      p: [this.int(2, 15), this.int(16, 30)],
      q: [this.int(1, 2), this.int(3, 5)],
      level: [this.int(30, 70), this.int(90, 110)],
    };
    const names = [...this.used].sort();
    return {
      parameters: Object.fromEntries(names.map((n) => [n, declared[n]])),
      params: Object.fromEntries(names.map((n) => [n, values[n][0]])),
      grid: Object.fromEntries(names.map((n) => [n, values[n]])),
    };
  }
}

/**
 * A random definition: up to two named series, an entry rule or two, maybe exits, and
 * (with `orders`) a size and stop levels. Nesting stays within three levels of conditions
 * and series, so every definition passes the limits.
 */
export function randomDefinition(seed: number, orders = false): RandomDefinition {
  const s = new DefinitionSampler(seed);
  const series: Record<string, Expr> = {};
  for (let k = s.int(0, 2); k > 0; k--) {
    const name = `a${s.names.length}`;
    series[name] = s.expr(1);
    s.names.push(name);
  }
  const both = s.next() < 0.5;
  const entry = both
    ? { long: s.cond(1), short: s.cond(1) }
    : s.next() < 0.5
      ? { long: s.cond(1) }
      : { short: s.cond(1) };
  const exit = s.next() < 0.4 ? { long: s.cond(1), short: s.cond(1) } : undefined;
  const level = (): Level =>
    s.next() < 0.5 ? { percent: s.pick([1, 2, 5]) } : { atr: s.period(), multiple: 2 };
  const orderFields = orders
    ? {
        size: s.pick([1, 0.5, 0.25]),
        ...(s.next() < 0.5 && { stopLoss: level() }),
        ...(s.next() < 0.5 && { takeProfit: level() }),
      }
    : {};
  const { parameters, params, grid } = s.parameters();
  const definition: Definition = {
    name: `random-${seed}`,
    ...(Object.keys(parameters ?? {}).length > 0 && { parameters }),
    ...(Object.keys(series).length > 0 && { series }),
    entry,
    ...(exit && { exit }),
    ...orderFields,
  };
  return { definition, params, grid };
}

// Test-only: the SMA and EMA crossovers with sized, stop-loss and take-profit entries.
import { z } from "zod";
import { firstDefined, type IndicatorCache } from "../indicator-cache.ts";
import type { ExitLevel, OrderRules } from "../order-rules.ts";
import { crossoverSignals } from "../strategies/crossover.ts";
import { lessThan, type Params, period, type Strategy } from "../strategy.ts";

/** A level as the strategy definition language writes it. */
export type LevelSyntax = { percent: number } | { atr: number; multiple: number };

/** The order fields of a definition, as the language writes them. */
export interface OrdersSyntax {
  readonly size?: number;
  readonly stopLoss?: LevelSyntax;
  readonly takeProfit?: LevelSyntax;
}

type P = { fast: number; slow: number };

function level(ind: IndicatorCache, syntax: LevelSyntax | undefined): ExitLevel | undefined {
  if (syntax === undefined) return undefined;
  if ("percent" in syntax) return { kind: "percent", percent: syntax.percent };
  return { kind: "atr", multiple: syntax.multiple, atr: ind.atr(syntax.atr) };
}

/**
 * The built-in `kind` crossover (same signals and warm-up), whose entries follow `orders`.
 * Each ATR of a level counts in the warm-up, as backtesting.py counts every indicator.
 */
export function bracketedCrossover(kind: "sma" | "ema", orders: OrdersSyntax): Strategy<P> {
  const atrPeriods = [orders.stopLoss, orders.takeProfit].flatMap((l) =>
    l !== undefined && "atr" in l ? [l.atr] : [],
  );
  return {
    name: `${kind}-crossover-orders`,
    description: `The ${kind} crossover with ${JSON.stringify(orders)}.`,
    shape: z.object({ fast: period(1), slow: period(2) }),
    constraints: [lessThan<P>("fast", "slow")],
    signals(ind, p, out) {
      const fast = kind === "sma" ? ind.sma(p.fast) : ind.ema(p.fast);
      const slow = kind === "sma" ? ind.sma(p.slow) : ind.ema(p.slow);
      let warmup = Math.max(firstDefined(fast), firstDefined(slow));
      for (const n of atrPeriods) warmup = Math.max(warmup, firstDefined(ind.atr(n)));
      crossoverSignals(fast, slow, warmup + 1, out);
      return warmup;
    },
    orders(ind): OrderRules {
      return {
        size: orders.size ?? 1,
        stopLoss: level(ind, orders.stopLoss),
        takeProfit: level(ind, orders.takeProfit),
      };
    },
  };
}

/** The same strategy with its parameter type erased, as the registry keeps strategies. */
export const anyBracketedCrossover = (kind: "sma" | "ema", orders: OrdersSyntax) =>
  bracketedCrossover(kind, orders) as unknown as Strategy<Params>;

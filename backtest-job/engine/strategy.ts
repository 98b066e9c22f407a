// The contract every strategy implements: parameters as a zod schema, signals as bits.
import { z } from "zod";
import type { Definition } from "./definition/schema.ts";
import { InvalidParams } from "./errors.ts";
import type { IndicatorCache } from "./indicator-cache.ts";
import type { OrderRules } from "./order-rules.ts";
import type { SignalBuffer } from "./signals.ts";

/** One combination of parameter values, keyed by parameter name. */
export type Params = Readonly<Record<string, number>>;

/**
 * A rule between parameters: `left < right`, strictly. Combinations that break one are
 * dropped. It is data, not only a predicate, so that a grid's valid combinations can be
 * counted by arithmetic instead of enumerated (count-combinations.ts); build it with
 * {@link lessThan}, which derives `holds` from the same fields.
 */
export interface Constraint<P> {
  readonly left: keyof P & string;
  readonly right: keyof P & string;
  readonly message: string;
  /** The parameter the message is about, used as the error path. */
  readonly path: string;
  /** Whether one combination satisfies the rule. */
  readonly holds: (p: P) => boolean;
  /** `left <= right` instead of `left < right`: count-combinations.ts counts both exactly. */
  readonly orEqual?: boolean;
}

/**
 * The constraint `left < right`, about `left`.
 *
 * @example lessThan<{ fast: number; slow: number }>("fast", "slow") // "fast must be less than slow"
 */
export function lessThan<P extends Params>(
  left: keyof P & string,
  right: keyof P & string,
  message = `${left} must be less than ${right}`,
): Constraint<P> {
  return { left, right, message, path: left, holds: (p) => p[left] < p[right] };
}

/**
 * The constraint `left <= right`, about `left`.
 *
 * @example atMost<{ exit: number; entry: number }>("exit", "entry") // "exit must not exceed entry"
 */
export function atMost<P extends Params>(
  left: keyof P & string,
  right: keyof P & string,
  message = `${left} must not exceed ${right}`,
): Constraint<P> {
  return { left, right, message, path: left, holds: (p) => p[left] <= p[right], orEqual: true };
}

/** A trading strategy the engine can backtest and sweep. */
export interface Strategy<P extends Params = Params> {
  readonly name: string;
  /** The rule in one paragraph, for docs and `--help`. */
  readonly description: string;
  /** Bounds and integrality of each parameter, in the grid's enumeration order. */
  readonly shape: z.ZodObject<{ [K in keyof P]: z.ZodNumber }>;
  readonly constraints: readonly Constraint<P>[];
  /**
   * Writes its signals (bars in ascending order, with bits from signals.ts) into `out`,
   * setting `out.count`, and returns the warm-up bar: the first index at which every
   * indicator it uses is defined. The strategy is first evaluated at `warmup + 1`, and
   * only signals at bars from there on count. A signal at bar i may read data up to bar i.
   */
  signals(ind: IndicatorCache, params: P, out: SignalBuffer): number;
  /**
   * How entries are sized and bracketed for `params`; absent means {@link ALL_IN}. Series
   * (an ATR) come from `ind`, and an indicator used here must count in the warm-up that
   * {@link signals} returns, as backtesting.py counts every indicator of a strategy.
   */
  orders?(ind: IndicatorCache, params: P): OrderRules;
  /** The strategy as a definition in the JSON language (definition/), shown to users. */
  readonly definition?: Definition;
}

/** A strategy whose parameter type is erased, as kept in the registry. */
export type AnyStrategy = Strategy<Params>;

/** Zod for an integer period parameter. */
export const period = (min = 1, max = 10_000) => z.number().int().min(min).max(max);

/** The schema of one full combination: bounds plus every constraint. */
export function paramsSchema<P extends Params>(strategy: Strategy<P>) {
  return strategy.shape.strict().superRefine((p, ctx) => {
    for (const c of strategy.constraints) {
      if (!c.holds(p as unknown as P))
        ctx.addIssue({ code: "custom", message: c.message, path: [c.path] });
    }
  });
}

/** Formats zod issues as `name: message; name: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join(".") : "params"}: ${i.message}`)
    .join("; ");
}

/** Validates one combination, throwing {@link InvalidParams} that names each bad parameter. */
export function parseParams<P extends Params>(strategy: Strategy<P>, raw: unknown): P {
  const result = paramsSchema(strategy).safeParse(raw);
  if (!result.success) {
    throw new InvalidParams(
      `invalid parameters for ${strategy.name}: ${describeIssues(result.error)}`,
    );
  }
  return result.data as unknown as P;
}

/** Whether `p` satisfies every constraint between parameters. */
export function satisfiesConstraints<P extends Params>(strategy: Strategy<P>, p: P): boolean {
  for (const c of strategy.constraints) if (!c.holds(p)) return false;
  return true;
}

// Compiles a checked definition into a Strategy: its zod shape, constraints, signals and orders.
import { z } from "zod";
import type { IndicatorCache } from "../indicator-cache.ts";
import type { ExitLevel, OrderRules } from "../order-rules.ts";
import {
  type AnyStrategy,
  atMost,
  type Constraint,
  lessThan,
  type Params,
  type Strategy,
} from "../strategy.ts";
import type { ConstraintNode, LevelNode, ParameterBounds, ParsedDefinition } from "./ast.ts";
import { buildKernel } from "./codegen.ts";
import { parseDefinition } from "./parse.ts";
import { layoutKernel } from "./plan.ts";
import { numValue, SlotResolver } from "./resolve.ts";

/**
 * A parameter's bounds as zod checks in the order the built-ins write them (`int`, then the
 * bounds), all of which grid.ts's `plainCheck` reads, so a 100,000-value range of a defined
 * strategy is checked as fast as a built-in's and refused with the same messages.
 */
function parameterSchema(b: ParameterBounds): z.ZodNumber {
  let s = z.number();
  if (b.integer) s = s.int();
  if (b.minExclusive) s = s.gt(b.min);
  else if (b.min > -Number.MAX_VALUE) s = s.min(b.min);
  if (b.maxExclusive) s = s.lt(b.max);
  else if (b.max < Number.MAX_VALUE) s = s.max(b.max);
  return s;
}

/**
 * A constraint of the definition in the engine's form, which reads `left < right` (or
 * `<=` with `orEqual`): `a > b` is `b < a`, about `a`. Its message and path name the
 * definition's left-hand parameter, as a built-in's `lessThan` does.
 */
export function constraintOf(c: ConstraintNode): Constraint<Params> {
  const { left, right } = c;
  switch (c.op) {
    case "<":
      return lessThan(left, right);
    case "<=":
      return atMost(left, right);
    case ">":
      return {
        left: right,
        right: left,
        message: `${left} must be greater than ${right}`,
        path: left,
        holds: (p) => p[left] > p[right],
      };
    case ">=":
      return {
        left: right,
        right: left,
        orEqual: true,
        message: `${left} must be at least ${right}`,
        path: left,
        holds: (p) => p[left] >= p[right],
      };
  }
}

function exitLevel(level: LevelNode, ind: IndicatorCache, params: Params): ExitLevel {
  if (level.kind === "percent")
    return { kind: "percent", percent: numValue(level.percent, params) };
  return {
    kind: "atr",
    multiple: numValue(level.multiple, params),
    atr: ind.atr(numValue(level.period, params)),
  };
}

/**
 * The strategy `parsed` describes, named `name`: a normal {@link Strategy} that the single
 * backtest, the sweep and the grid use as they use a built-in. Its per-bar loop is built
 * once here (codegen.ts); each combination then resolves its series and numbers
 * (resolve.ts), computes the start and runs that loop, allocating nothing.
 *
 * @example compileDefinition(parseDefinition(json), "my-strategy").signals(ind, params, out)
 */
export function compileDefinition(parsed: ParsedDefinition, name: string): AnyStrategy {
  const plan = layoutKernel(parsed);
  const kernel = buildKernel(plan);
  const resolver = new SlotResolver(plan);
  const shape = z.object(
    Object.fromEntries(parsed.parameters.map((b) => [b.name, parameterSchema(b)])),
  );
  const { size, stopLoss, takeProfit } = parsed;
  // Without sizing or levels the strategy places the built-ins' all-in orders, and says so
  // by having no `orders`.
  const allIn = size.kind === "number" && size.value === 1 && !stopLoss && !takeProfit;
  const strategy: Strategy<Params> = {
    name,
    description: parsed.source.description ?? `${name}: a strategy defined in JSON.`,
    shape,
    constraints: parsed.constraints.map(constraintOf),
    definition: parsed.source,
    signals(ind, params, out) {
      const warmup = resolver.resolve(ind, params);
      const n = ind.bars.length;
      out.count = kernel(resolver.series, resolver.numbers, warmup + 1, n, out.bars, out.bits);
      return warmup;
    },
    ...(allIn
      ? {}
      : {
          orders(ind, params): OrderRules {
            return {
              size: numValue(size, params),
              ...(stopLoss && { stopLoss: exitLevel(stopLoss, ind, params) }),
              ...(takeProfit && { takeProfit: exitLevel(takeProfit, ind, params) }),
            };
          },
        }),
  };
  return strategy;
}

/**
 * Checks and compiles a definition given as JSON, named by its `name` or `fallbackName`.
 * Throws `InvalidDefinition` (errors.ts) listing every problem with its path.
 *
 * @example strategyFromDefinition({ entry: { long: { ">": ["close", { sma: { period: 50 } }] } } })
 */
export function strategyFromDefinition(raw: unknown, fallbackName = "custom"): AnyStrategy {
  const parsed = parseDefinition(raw);
  return compileDefinition(parsed, parsed.source.name ?? fallbackName);
}

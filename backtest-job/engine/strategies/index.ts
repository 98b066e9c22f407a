// The strategy registry: every strategy the engine can run, by name, and definitions by value.
import { compileDefinition, strategyFromDefinition } from "../definition/compile.ts";
import { parseDefinition } from "../definition/parse.ts";
import { InvalidParams } from "../errors.ts";
import { ALL_IN } from "../order-rules.ts";
import type { AnyStrategy } from "../strategy.ts";
import { bollingerReversion } from "./bollinger-reversion.ts";
import { donchianBreakout } from "./donchian-breakout.ts";
import { emaCrossover } from "./ema-crossover.ts";
import { macdCrossover } from "./macd-crossover.ts";
import { rsiReversion } from "./rsi-reversion.ts";
import { smaCrossover } from "./sma-crossover.ts";

/**
 * The hand-written kernels, each carrying its definition in the JSON language.
 * definitions.test.ts proves every one gives its compiled definition's events, warm-up,
 * statistics and trades exactly.
 */
export const HAND_KERNELS: readonly AnyStrategy[] = [
  smaCrossover,
  emaCrossover,
  rsiReversion,
  bollingerReversion,
  macdCrossover,
  donchianBreakout,
] as unknown as readonly AnyStrategy[];

/**
 * Built-ins the registry runs as their compiled definition rather than their hand kernel:
 * those whose compiled loop swept at least as fast in most runs of `npm run -s bench:engine
 * -- --definitions` (decision 47: RSI 1.16 to 1.43 times the hand kernel's speed, Bollinger
 * 0.93 to 1.45, Donchian 1.00 to 1.07). The crossovers (SMA 0.90 to 1.02, EMA 0.75 to 0.87)
 * and MACD, whose hand kernel fuses the signal EMA with a look-ahead to the next span (0.68
 * to 0.73), keep their hand kernels as proven-identical accelerators (definitions.test.ts).
 */
const RUN_COMPILED: ReadonlySet<string> = new Set([
  "rsi-reversion",
  "bollinger-reversion",
  "donchian-breakout",
]);

/**
 * A built-in run as its compiled definition. Its shape and constraints are the hand
 * kernel's, which definitions.test.ts proves equal to the compiled ones; the definition is
 * compiled on the first signals, so importing the registry stays cheap (about 26 ms for three
 * definitions at start otherwise, zod's first parse included).
 */
function compiled(hand: AnyStrategy): AnyStrategy {
  const definition = hand.definition;
  if (definition === undefined) throw new Error(`${hand.name} has no definition`);
  let strategy: AnyStrategy | undefined;
  const compile = () => {
    strategy ??= compileDefinition(parseDefinition(definition), hand.name);
    return strategy;
  };
  const { name, description, shape, constraints } = hand;
  return {
    name,
    description,
    shape,
    constraints,
    definition,
    signals: (ind, params, out) => compile().signals(ind, params, out),
    // No built-in sizes or brackets its entries today; one that did would need its orders.
    ...(hand.orders && { orders: (ind, params) => compile().orders?.(ind, params) ?? ALL_IN }),
  };
}

/** All strategies, in documentation order; each carries its `definition`. */
export const STRATEGIES: readonly AnyStrategy[] = HAND_KERNELS.map((s) =>
  RUN_COMPILED.has(s.name) ? compiled(s) : s,
);

/** Looks a strategy up by name, or throws {@link InvalidParams} listing the known names. */
export function getStrategy(name: string): AnyStrategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) {
    throw new InvalidParams(
      `unknown strategy "${name}"; known strategies: ${STRATEGIES.map((s) => s.name).join(", ")}`,
    );
  }
  return found;
}

/**
 * A built-in by name, or a strategy definition (an object in the JSON language) checked and
 * compiled. Throws {@link InvalidParams} for an unknown name and `InvalidDefinition` for a
 * definition the engine refuses.
 *
 * @example resolveStrategy("sma-crossover"); resolveStrategy({ entry: { long: { ">": ["close", 100] } } })
 */
export function resolveStrategy(ref: string | object): AnyStrategy {
  return typeof ref === "string" ? getStrategy(ref) : strategyFromDefinition(ref);
}

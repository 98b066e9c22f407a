// The strategy registry: every strategy the engine can run, by name.
import { InvalidParams } from "../errors.ts";
import type { AnyStrategy } from "../strategy.ts";
import { bollingerReversion } from "./bollinger-reversion.ts";
import { donchianBreakout } from "./donchian-breakout.ts";
import { emaCrossover } from "./ema-crossover.ts";
import { macdCrossover } from "./macd-crossover.ts";
import { rsiReversion } from "./rsi-reversion.ts";
import { smaCrossover } from "./sma-crossover.ts";

/** All strategies, in documentation order. */
export const STRATEGIES: readonly AnyStrategy[] = [
  smaCrossover,
  emaCrossover,
  rsiReversion,
  bollingerReversion,
  macdCrossover,
  donchianBreakout,
] as unknown as readonly AnyStrategy[];

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

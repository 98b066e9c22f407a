// ema-crossover: trend following on two exponential moving averages of the close.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";
import { crossoverSignals } from "./crossover.ts";

type P = { fast: number; slow: number };

const description =
  "Goes long when the exponential moving average of the close with span `fast` crosses " +
  "over the one with span `slow`, and goes short when it crosses under (in long-only mode " +
  "the cross under closes the long). Each EMA is seeded with the simple average of its " +
  "first `span` closes, so it is defined from bar span-1; the strategy starts the bar after " +
  "EMA(slow) is defined.";

/** Long when EMA(fast) crosses over EMA(slow); short (or flat in long-only) on the reverse. */
export const emaCrossover: Strategy<P> = {
  name: "ema-crossover",
  description,
  shape: z.object({ fast: period(1), slow: period(2) }),
  constraints: [lessThan<P>("fast", "slow")],
  definition: {
    name: "ema-crossover",
    description,
    parameters: {
      fast: { integer: true, min: 1, max: 10_000 },
      slow: { integer: true, min: 2, max: 10_000 },
    },
    constraints: [{ left: "fast", op: "<", right: "slow" }],
    series: {
      fastMa: { ema: { period: { param: "fast" } } },
      slowMa: { ema: { period: { param: "slow" } } },
    },
    entry: {
      long: { crossesAbove: ["fastMa", "slowMa"] },
      short: { crossesBelow: ["fastMa", "slowMa"] },
    },
  },
  signals(ind, p, out) {
    const fast = ind.ema(p.fast);
    const slow = ind.ema(p.slow);
    const warmup = Math.max(firstDefined(fast), firstDefined(slow));
    crossoverSignals(fast, slow, warmup + 1, out);
    return warmup;
  },
};

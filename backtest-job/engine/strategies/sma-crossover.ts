// sma-crossover: trend following on two simple moving averages of the close.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";
import { crossoverSignals } from "./crossover.ts";

type P = { fast: number; slow: number };

const description =
  "Goes long when the simple moving average of the last `fast` closes crosses over the " +
  "average of the last `slow` closes, and goes short when it crosses under (in long-only " +
  "mode the cross under closes the long). A cross means fast < slow on the previous bar " +
  "and fast > slow on this one. The strategy starts on the bar after SMA(slow) is defined.";

/** Long when SMA(fast) crosses over SMA(slow); short (or flat in long-only) on the reverse. */
export const smaCrossover: Strategy<P> = {
  name: "sma-crossover",
  description,
  shape: z.object({ fast: period(1), slow: period(2) }),
  constraints: [lessThan<P>("fast", "slow")],
  definition: {
    name: "sma-crossover",
    description,
    parameters: {
      fast: { integer: true, min: 1, max: 10_000 },
      slow: { integer: true, min: 2, max: 10_000 },
    },
    constraints: [{ left: "fast", op: "<", right: "slow" }],
    series: {
      fastMa: { sma: { period: { param: "fast" } } },
      slowMa: { sma: { period: { param: "slow" } } },
    },
    entry: {
      long: { crossesAbove: ["fastMa", "slowMa"] },
      short: { crossesBelow: ["fastMa", "slowMa"] },
    },
  },
  signals(ind, p, out) {
    const fast = ind.sma(p.fast);
    const slow = ind.sma(p.slow);
    const warmup = Math.max(firstDefined(fast), firstDefined(slow));
    crossoverSignals(fast, slow, warmup + 1, out);
    return warmup;
  },
};

// macd-crossover: momentum on the MACD line against its signal line.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";
import { crossoverSignals } from "./crossover.ts";

type P = { fast: number; slow: number; signal: number };

/** Long when MACD crosses over its signal line; short (or flat in long-only) on the reverse. */
export const macdCrossover: Strategy<P> = {
  name: "macd-crossover",
  description:
    "Computes the MACD line, EMA(fast) minus EMA(slow) of the close, and its signal line, " +
    "the EMA of the MACD line with span `signal`. Goes long when the MACD line crosses over " +
    "the signal line and short when it crosses under (in long-only mode the cross under " +
    "closes the long). The strategy starts the bar after the signal line is defined, at " +
    "bar slow + signal - 1.",
  shape: z.object({ fast: period(1), slow: period(2), signal: period(1) }),
  constraints: [lessThan<P>("fast", "slow")],
  signals(ind, p, out) {
    const m = ind.macd(p.fast, p.slow, p.signal);
    const warmup = Math.max(firstDefined(m.macd), firstDefined(m.signal));
    crossoverSignals(m.macd, m.signal, warmup + 1, out);
    return warmup;
  },
};

// rsi-reversion: mean reversion on Wilder's RSI, long while oversold and short while overbought.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { SIGNAL_LONG, SIGNAL_SHORT } from "../signals.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";

type P = { period: number; lower: number; upper: number };

const level = z.number().gt(0).lt(100);

const description =
  "Computes Wilder's RSI of the close over `period` bars. When the RSI closes below " +
  "`lower` (oversold) it goes long, and when it closes above `upper` (overbought) it goes " +
  "short (in long-only mode it closes the long). Between the levels it holds whatever " +
  "it has. The rule is on the level, not on a cross: every bar that closes with the RSI " +
  "below `lower` is a long signal, and every bar above `upper` a short one. The strategy " +
  "starts the bar after the RSI is first defined, at bar period + 1.";

/** Long while RSI is below `lower`, short (or flat in long-only) while it is above `upper`. */
export const rsiReversion: Strategy<P> = {
  name: "rsi-reversion",
  description,
  shape: z.object({ period: period(2), lower: level, upper: level }),
  constraints: [lessThan<P>("lower", "upper")],
  definition: {
    name: "rsi-reversion",
    description,
    parameters: {
      period: { integer: true, min: 2, max: 10_000 },
      lower: { min: 0, minExclusive: true, max: 100, maxExclusive: true },
      upper: { min: 0, minExclusive: true, max: 100, maxExclusive: true },
    },
    constraints: [{ left: "lower", op: "<", right: "upper" }],
    series: { rsi: { rsi: { period: { param: "period" } } } },
    entry: {
      long: { "<": ["rsi", { param: "lower" }] },
      short: { ">": ["rsi", { param: "upper" }] },
    },
  },
  signals(ind, p, out) {
    const r = ind.rsi(p.period);
    const warmup = firstDefined(r);
    let m = 0;
    for (let i = warmup + 1; i < r.length; i++) {
      const bits = r[i] < p.lower ? SIGNAL_LONG : r[i] > p.upper ? SIGNAL_SHORT : 0;
      if (bits === 0) continue;
      out.bars[m] = i;
      out.bits[m++] = bits;
    }
    out.count = m;
    return warmup;
  },
};

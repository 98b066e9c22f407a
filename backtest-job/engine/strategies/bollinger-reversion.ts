// bollinger-reversion: mean reversion when the close leaves its Bollinger Bands.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { SIGNAL_LONG, SIGNAL_SHORT } from "../signals.ts";
import { period, type Strategy } from "../strategy.ts";

type P = { period: number; stdDev: number };

const description =
  "Computes Bollinger Bands over `period` closes: the simple average plus and minus " +
  "`stdDev` population standard deviations. When a bar closes below the lower band it goes " +
  "long, expecting a return to the mean; when it closes above the upper band it goes short " +
  "(in long-only mode it closes the long). Inside the bands it holds. The strategy starts " +
  "the bar after the bands are defined, at bar period.";

/** Long when the close is below the lower band, short (or flat) when above the upper one. */
export const bollingerReversion: Strategy<P> = {
  name: "bollinger-reversion",
  description,
  shape: z.object({ period: period(2), stdDev: z.number().gt(0).max(10) }),
  constraints: [],
  definition: {
    name: "bollinger-reversion",
    description,
    parameters: {
      period: { integer: true, min: 2, max: 10_000 },
      stdDev: { min: 0, minExclusive: true, max: 10 },
    },
    entry: {
      long: {
        "<": [
          "close",
          {
            bollinger: { period: { param: "period" }, stdDev: { param: "stdDev" }, band: "lower" },
          },
        ],
      },
      short: {
        ">": [
          "close",
          {
            bollinger: { period: { param: "period" }, stdDev: { param: "stdDev" }, band: "upper" },
          },
        ],
      },
    },
  },
  signals(ind, p, out) {
    const bands = ind.bollinger(p.period, p.stdDev);
    const close = ind.bars.close;
    const warmup = firstDefined(bands.middle);
    let m = 0;
    for (let i = warmup + 1; i < close.length; i++) {
      const c = close[i];
      const bits = c < bands.lower[i] ? SIGNAL_LONG : c > bands.upper[i] ? SIGNAL_SHORT : 0;
      if (bits === 0) continue;
      out.bars[m] = i;
      out.bits[m++] = bits;
    }
    out.count = m;
    return warmup;
  },
};

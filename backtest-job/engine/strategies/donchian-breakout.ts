// donchian-breakout: turtle-style channel breakouts with a shorter exit channel.
import { z } from "zod";
import { firstDefined } from "../indicator-cache.ts";
import { SIGNAL_EXIT_LONG, SIGNAL_EXIT_SHORT, SIGNAL_LONG, SIGNAL_SHORT } from "../signals.ts";
import { lessThan, period, type Strategy } from "../strategy.ts";

type P = { entry: number; exit: number };

const description =
  "Goes long when a bar closes above the highest high of the previous `entry` bars and " +
  "short when it closes below their lowest low (in long-only mode that closes the long). " +
  "A long is closed when a bar closes below the lowest low of the previous `exit` bars, " +
  "and a short when it closes above their highest high, so the strategy can be flat. " +
  "Channels exclude the current bar. The strategy starts at bar entry.";

/** Enters on a close beyond the prior `entry`-bar channel, exits beyond the `exit`-bar one. */
export const donchianBreakout: Strategy<P> = {
  name: "donchian-breakout",
  description,
  shape: z.object({ entry: period(2), exit: period(1) }),
  constraints: [lessThan<P>("exit", "entry")],
  definition: {
    name: "donchian-breakout",
    description,
    parameters: {
      entry: { integer: true, min: 2, max: 10_000 },
      exit: { integer: true, min: 1, max: 10_000 },
    },
    constraints: [{ left: "exit", op: "<", right: "entry" }],
    // The channels of the previous bars: donchian includes the current bar, so `previous`.
    series: {
      entryHigh: { previous: { donchian: { period: { param: "entry" }, band: "upper" } } },
      entryLow: { previous: { donchian: { period: { param: "entry" }, band: "lower" } } },
      exitHigh: { previous: { donchian: { period: { param: "exit" }, band: "upper" } } },
      exitLow: { previous: { donchian: { period: { param: "exit" }, band: "lower" } } },
    },
    entry: {
      long: { ">": ["close", "entryHigh"] },
      short: { "<": ["close", "entryLow"] },
    },
    exit: {
      long: { "<": ["close", "exitLow"] },
      short: { ">": ["close", "exitHigh"] },
    },
  },
  signals(ind, p, out) {
    const inCh = ind.donchian(p.entry);
    const outCh = ind.donchian(p.exit);
    const close = ind.bars.close;
    const warmup = Math.max(firstDefined(inCh.upper), firstDefined(outCh.upper));
    let m = 0;
    for (let i = warmup + 1; i < close.length; i++) {
      const c = close[i];
      let bits = c > inCh.upper[i - 1] ? SIGNAL_LONG : c < inCh.lower[i - 1] ? SIGNAL_SHORT : 0;
      if (c < outCh.lower[i - 1]) bits |= SIGNAL_EXIT_LONG;
      if (c > outCh.upper[i - 1]) bits |= SIGNAL_EXIT_SHORT;
      if (bits === 0) continue;
      out.bars[m] = i;
      out.bits[m++] = bits;
    }
    out.count = m;
    return warmup;
  },
};

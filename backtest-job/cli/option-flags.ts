// The flags for backtest options, shared by `backtest` and `sweep`, and their validation.
import { type BacktestOptionsInput, BacktestOptionsSchema } from "../engine/options.ts";
import type { FlagSpec } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import { numberFlag } from "./flag-values.ts";

/** `--cash N --commission X --mode M --finalize --trade-on-close`. */
export const OPTION_FLAGS = {
  cash: { type: "string" },
  commission: { type: "string" },
  mode: { type: "string" },
  finalize: { type: "boolean" },
  "trade-on-close": { type: "boolean" },
} as const satisfies FlagSpec;

/** The parsed values of {@link OPTION_FLAGS}. */
export interface OptionFlagValues {
  readonly cash?: string;
  readonly commission?: string;
  readonly mode?: string;
  readonly finalize?: boolean;
  readonly "trade-on-close"?: boolean;
}

const MODES = BacktestOptionsSchema.shape.mode.unwrap().options;

/**
 * Builds engine options from flags, checking each value against the engine's own schema
 * here so that an out-of-range value is reported against the flag that gave it.
 */
export function optionsFromFlags(values: OptionFlagValues): BacktestOptionsInput {
  const options: { -readonly [K in keyof BacktestOptionsInput]: BacktestOptionsInput[K] } = {};
  if (values.cash !== undefined) options.cash = checked("--cash", "cash", values.cash);
  if (values.commission !== undefined) {
    options.commission = checked("--commission", "commission", values.commission);
  }
  if (values.mode !== undefined) {
    const mode = MODES.find((m) => m === values.mode);
    if (!mode) {
      throw new BadInput(`--mode: "${values.mode}" is not a mode; use ${MODES.join(" or ")}`);
    }
    options.mode = mode;
  }
  if (values.finalize) options.finalizeTrades = true;
  if (values["trade-on-close"]) options.tradeOnClose = true;
  return options;
}

function checked(flag: string, field: "cash" | "commission", text: string): number {
  const value = numberFlag(flag, text);
  const result = BacktestOptionsSchema.shape[field].safeParse(value);
  if (!result.success) {
    throw new BadInput(`${flag}: ${text} is out of range: ${result.error.issues[0].message}`);
  }
  return value;
}

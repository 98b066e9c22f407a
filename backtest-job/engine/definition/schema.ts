// The strategy definition language as JSON: its zod schema, its types and its limits.
import { z } from "zod";

/** Names of parameters and named series: identifiers, short enough to read in a table. */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
/** The bar fields a definition may read by name. */
export const PRICE_FIELDS = ["open", "high", "low", "close", "volume"] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];

/** Deepest nesting of conditions and series, counted in nodes from a rule's root. */
export const MAX_DEPTH = 12;
/** Conditions and series nodes in one definition, named series included. */
export const MAX_NODES = 200;
export const MAX_PARAMETERS = 16;
export const MAX_CONSTRAINTS = 16;
export const MAX_SERIES = 32;
/** Longest period, `previous` shift or `heldFor` span, in bars. */
export const MAX_LOOKBACK = 10_000;
/** Operands of one `and` or `or`. */
export const MAX_OPERANDS = 16;
/**
 * JSON nesting (objects and arrays) checked before the schema walks the value: a node is at
 * most three JSON levels (`{"and": [{...`), so a legal definition never comes near it, and a
 * hostile one is refused before any recursion could exhaust the stack.
 */
export const MAX_JSON_DEPTH = 3 * MAX_DEPTH + 8;

/** A number, or a parameter whose values come from the request's grid. */
export type Num = number | { readonly param: string };

/** A series: a constant, a price field or named series, an indicator, or a shifted series. */
export type Expr =
  | Num
  | string
  | { readonly sma: { readonly period: Num } }
  | { readonly ema: { readonly period: Num } }
  | { readonly rsi: { readonly period: Num } }
  | { readonly atr: { readonly period: Num } }
  | {
      readonly bollinger: {
        readonly period: Num;
        readonly stdDev: Num;
        readonly band: "upper" | "middle" | "lower";
      };
    }
  | {
      readonly macd: {
        readonly fast: Num;
        readonly slow: Num;
        readonly signal?: Num;
        readonly line: "macd" | "signal" | "histogram";
      };
    }
  | { readonly donchian: { readonly period: Num; readonly band: "upper" | "middle" | "lower" } }
  | { readonly previous: Expr; readonly bars?: Num };

type Pair = readonly [Expr, Expr];

/** A condition, true or false at each bar. */
export type Cond =
  | { readonly crossesAbove: Pair }
  | { readonly crossesBelow: Pair }
  | { readonly "<": Pair }
  | { readonly "<=": Pair }
  | { readonly ">": Pair }
  | { readonly ">=": Pair }
  | { readonly and: readonly Cond[] }
  | { readonly or: readonly Cond[] }
  | { readonly not: Cond }
  | { readonly heldFor: { readonly bars: Num; readonly condition: Cond } };

/** Where a stop-loss or take-profit sits, from the signal bar's close. */
export type Level = { readonly percent: Num } | { readonly atr: Num; readonly multiple: Num };

const numError = 'expected a number or {"param": name}';
const NumSchema: z.ZodType<Num> = z.union(
  [z.number().finite(), z.strictObject({ param: z.string().regex(NAME, "not a parameter name") })],
  { error: numError },
);

/** Checks that an object has exactly one of `keys`: every node names its kind by its key. */
function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        // Marked, so that a node whose only key is unknown gets one message, not two.
        params: { kindMissing: present.length === 0 },
        message:
          present.length === 0
            ? `a ${what} needs one of: ${keys.join(", ")}`
            : `a ${what} has exactly one of ${keys.join(", ")}; got ${present.join(" and ")}`,
      });
    }
  };
}

const band = z.enum(["upper", "middle", "lower"]);
const periodOnly = z.strictObject({ period: NumSchema });

const EXPR_KEYS = [
  "param",
  "sma",
  "ema",
  "rsi",
  "atr",
  "bollinger",
  "macd",
  "donchian",
  "previous",
];

const ExprObjectSchema = z
  .strictObject({
    param: z.string().regex(NAME, "not a parameter name").optional(),
    sma: periodOnly.optional(),
    ema: periodOnly.optional(),
    rsi: periodOnly.optional(),
    atr: periodOnly.optional(),
    bollinger: z.strictObject({ period: NumSchema, stdDev: NumSchema, band }).optional(),
    macd: z
      .strictObject({
        fast: NumSchema,
        slow: NumSchema,
        signal: NumSchema.optional(),
        line: z.enum(["macd", "signal", "histogram"]),
      })
      .refine((m) => m.line === "macd" || m.signal !== undefined, {
        message: "the signal and histogram lines need `signal`",
        path: ["signal"],
      })
      .optional(),
    donchian: z.strictObject({ period: NumSchema, band }).optional(),
    get previous() {
      return ExprSchema.optional();
    },
    bars: NumSchema.optional(),
  })
  .superRefine((value, ctx) => {
    exactlyOne(EXPR_KEYS, "series")(value, ctx);
    if (value.bars !== undefined && value.previous === undefined) {
      ctx.addIssue({ code: "custom", message: "`bars` goes with `previous`", path: ["bars"] });
    }
  });

/** A series expression. Strings are checked against price fields and named series later. */
export const ExprSchema: z.ZodType<Expr> = z.union(
  [
    z.number().finite(),
    z.string().regex(NAME, "not a price field or series name"),
    ExprObjectSchema,
  ],
  {
    error:
      'expected a series: a number, {"param": name}, a price field or series name, or an ' +
      `object with one of ${EXPR_KEYS.join(", ")}`,
  },
) as z.ZodType<Expr>;

const PairSchema = z.tuple([ExprSchema, ExprSchema]);

const operands = z
  .array(z.lazy(() => CondSchema))
  .min(2, "needs at least 2 conditions")
  .max(MAX_OPERANDS, `takes at most ${MAX_OPERANDS} conditions`);

const COND_KEYS = [
  "crossesAbove",
  "crossesBelow",
  "<",
  "<=",
  ">",
  ">=",
  "and",
  "or",
  "not",
  "heldFor",
];

/** A condition: an object with exactly one of {@link COND_KEYS}. */
export const CondSchema: z.ZodType<Cond> = z
  .strictObject({
    crossesAbove: PairSchema.optional(),
    crossesBelow: PairSchema.optional(),
    "<": PairSchema.optional(),
    "<=": PairSchema.optional(),
    ">": PairSchema.optional(),
    ">=": PairSchema.optional(),
    get and() {
      return operands.optional();
    },
    get or() {
      return operands.optional();
    },
    get not() {
      return CondSchema.optional();
    },
    get heldFor() {
      return z.strictObject({ bars: NumSchema, condition: CondSchema }).optional();
    },
  })
  .superRefine(exactlyOne(COND_KEYS, "condition")) as unknown as z.ZodType<Cond>;

const LevelSchema: z.ZodType<Level> = z
  .strictObject({
    percent: NumSchema.optional(),
    atr: NumSchema.optional(),
    multiple: NumSchema.optional(),
  })
  .superRefine((value, ctx) => {
    exactlyOne(["percent", "atr"], "stop-loss or take-profit")(value, ctx);
    if (value.atr !== undefined && value.multiple === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "an ATR level needs `multiple`",
        path: ["multiple"],
      });
    }
    if (value.percent !== undefined && value.multiple !== undefined) {
      ctx.addIssue({ code: "custom", message: "`multiple` goes with `atr`", path: ["multiple"] });
    }
  }) as unknown as z.ZodType<Level>;

/** A parameter's declared bounds; uses narrow them further (a period is a whole number). */
export const ParameterSchema = z
  .strictObject({
    integer: z.boolean().optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    /** `min` itself is excluded. */
    minExclusive: z.boolean().optional(),
    /** `max` itself is excluded. */
    maxExclusive: z.boolean().optional(),
  })
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
    message: "min must not exceed max",
    path: ["max"],
  });
export type Parameter = z.infer<typeof ParameterSchema>;

const RulesSchema = z
  .strictObject({ long: CondSchema.optional(), short: CondSchema.optional() })
  .refine((r) => r.long !== undefined || r.short !== undefined, "give long, short or both");

const nameKey = z
  .string()
  .regex(NAME, "names are letters, digits and _, 1 to 32, not a digit first");

/** A whole strategy definition, as a webhook or `--strategy-file` gives it. */
export const DefinitionSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  description: z.string().max(2000).optional(),
  parameters: z
    .record(nameKey, ParameterSchema)
    .refine((p) => Object.keys(p).length <= MAX_PARAMETERS, `at most ${MAX_PARAMETERS} parameters`)
    .optional(),
  constraints: z
    .array(
      z.strictObject({
        left: z.string().regex(NAME, "not a parameter name"),
        op: z.enum(["<", "<=", ">", ">="]),
        right: z.string().regex(NAME, "not a parameter name"),
      }),
    )
    .max(MAX_CONSTRAINTS)
    .optional(),
  series: z
    .record(nameKey, ExprSchema)
    .refine((s) => Object.keys(s).length <= MAX_SERIES, `at most ${MAX_SERIES} named series`)
    .optional(),
  entry: RulesSchema,
  exit: RulesSchema.optional(),
  size: NumSchema.optional(),
  stopLoss: LevelSchema.optional(),
  takeProfit: LevelSchema.optional(),
});

/** A definition as JSON, after the schema: the form stored with a run and shown to users. */
export type Definition = z.infer<typeof DefinitionSchema>;

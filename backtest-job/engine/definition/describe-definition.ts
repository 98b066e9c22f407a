// A strategy definition as text for people: its rules, series, parameters and orders.
//
// The dashboard runs this same code: functions/api/dashboard/assets/definition-text.js is
// this file with its types stripped (functions/api/dashboard/definition-text-build.ts), so
// it may import types only, and must run in a browser as it does in node.

/** One rule of a definition as text: `entry.long`, `exit.short`, ... */
export interface RuleText {
  readonly rule: "entry" | "exit";
  readonly side: "long" | "short";
  readonly text: string;
}

/** A declared parameter: its value in the run (when known) and what it may be. */
export interface ParameterText {
  readonly name: string;
  /** The run's value: the single backtest's, or the best combination's; null when unknown. */
  readonly value: number | null;
  /** Its declared bounds, as `integer, >= 1, <= 10000`; `any number` when it declares none. */
  readonly bounds: string;
}

/** Everything a definition says, as text; what the dashboard and `zixly run` show. */
export interface DefinitionText {
  readonly name: string | null;
  readonly description: string | null;
  readonly rules: readonly RuleText[];
  readonly series: readonly { readonly name: string; readonly text: string }[];
  readonly parameters: readonly ParameterText[];
  readonly constraints: readonly string[];
  readonly size: string;
  readonly stopLoss: string | null;
  readonly takeProfit: string | null;
}

// The input is any JSON: a run stored by an older or newer API may hold nodes this version
// does not know, and the dashboard has no schema to check them with. A node that does not
// read as the language says is shown as its JSON, never dropped.
type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The JSON of a node this version cannot read, so that it is still shown. */
const raw = (value: Json): string => JSON.stringify(value) ?? String(value);

/** The one key of a node: every node names its kind by its key (language.md). */
function kindOf(node: Json): string | undefined {
  if (!isObject(node)) return undefined;
  const keys = Object.keys(node);
  // `bars` is the one key beside another: `{"previous": ..., "bars": 2}`.
  const kinds = "previous" in node ? keys.filter((k) => k !== "bars") : keys;
  return kinds.length === 1 ? kinds[0] : undefined;
}

/**
 * A number or a parameter reference: `20`, `fast`.
 * @example numText({ param: "fast" }) // "fast"
 */
export function numText(value: Json): string {
  if (typeof value === "number") return String(value);
  if (isObject(value) && typeof value.param === "string" && Object.keys(value).length === 1)
    return value.param;
  return raw(value);
}

/** `1 bar`, `3 bars`, `lookback bars`: a span of bars, singular only for a literal 1. */
const barsText = (bars: Json) => `${numText(bars)} ${bars === 1 ? "bar" : "bars"}`;

/** `SMA(fast)`, `MACD(12, 26)`: an indicator with its arguments. */
const call = (name: string, ...args: Json[]) => `${name}(${args.map(numText).join(", ")})`;

/**
 * A series: `close`, `SMA(fast)`, `lower Bollinger(20, 2)`, `close 2 bars ago`.
 * @example exprText({ previous: "close", bars: 2 }) // "close 2 bars ago"
 */
export function exprText(expr: Json): string {
  if (typeof expr === "number" || typeof expr === "string") return String(expr);
  if (!isObject(expr)) return raw(expr);
  const kind = kindOf(expr);
  const body = kind === undefined ? undefined : expr[kind];
  if (kind === "param") return numText(expr);
  if (kind === "previous") {
    const inner = exprText(body);
    // Two shifts in a row read as one phrase without the parentheses.
    const shown = kindOf(body) === "previous" ? `(${inner})` : inner;
    return `${shown} ${barsText(expr.bars ?? 1)} ago`;
  }
  if (!isObject(body)) return raw(expr);
  switch (kind) {
    case "sma":
    case "ema":
    case "rsi":
    case "atr":
      return call(kind.toUpperCase(), body.period);
    case "bollinger":
      if (typeof body.band !== "string") return raw(expr);
      return `${body.band} ${call("Bollinger", body.period, body.stdDev)}`;
    case "donchian":
      if (typeof body.band !== "string") return raw(expr);
      return `${body.band} ${call("Donchian", body.period)}`;
    case "macd": {
      if (typeof body.line !== "string") return raw(expr);
      const name = body.line === "macd" ? "MACD" : `MACD ${body.line}`;
      const rest = body.signal === undefined ? [] : [body.signal];
      return call(name, body.fast, body.slow, ...rest);
    }
    default:
      return raw(expr);
  }
}

const COMPARISONS = new Set(["<", "<=", ">", ">="]);

/** A condition inside `and`, `or` or `heldFor`: compound ones in parentheses. */
function operandText(cond: Json): string {
  const kind = kindOf(cond);
  const text = condText(cond);
  return kind === "and" || kind === "or" || kind === "heldFor" ? `(${text})` : text;
}

/**
 * A condition: `SMA(fast) crosses above SMA(slow)`, `close < lower Donchian(20) 1 bar ago`,
 * `(a and b) or not (c)`, `RSI(14) < 30 for the last 3 bars`.
 */
export function condText(cond: Json): string {
  const kind = kindOf(cond);
  if (kind === undefined || !isObject(cond)) return raw(cond);
  const body = cond[kind];
  const pair = Array.isArray(body) && body.length === 2 ? body : undefined;
  if ((kind === "crossesAbove" || kind === "crossesBelow") && pair) {
    const verb = kind === "crossesAbove" ? "crosses above" : "crosses below";
    return `${exprText(pair[0])} ${verb} ${exprText(pair[1])}`;
  }
  if (COMPARISONS.has(kind) && pair) return `${exprText(pair[0])} ${kind} ${exprText(pair[1])}`;
  if ((kind === "and" || kind === "or") && Array.isArray(body))
    return body.map(operandText).join(` ${kind} `);
  if (kind === "not") return `not (${condText(body)})`;
  if (kind === "heldFor" && isObject(body))
    return `${operandText(body.condition)} for the last ${barsText(body.bars)}`;
  return raw(cond);
}

/**
 * A stop-loss or take-profit: `5% from the signal bar's close` or `2 × ATR(14) from the
 * signal bar's close` (below it for a long's stop, above for its target; mirrored for shorts).
 */
export function levelText(level: Json): string {
  if (isObject(level) && level.percent !== undefined && level.atr === undefined)
    return `${numText(level.percent)}% from the signal bar's close`;
  if (isObject(level) && level.atr !== undefined && level.percent === undefined)
    return `${numText(level.multiple)} × ${call("ATR", level.atr)} from the signal bar's close`;
  return raw(level);
}

/**
 * The share of each entry: all-in by default (backtesting.py's `1 - eps`), else that
 * fraction of the available margin in whole units.
 */
export function sizeText(size: Json): string {
  if (size === undefined || size === 1) return "all-in";
  // toPrecision: 0.07 × 100 reads 7, not 7.000000000000001.
  if (typeof size === "number")
    return `${Number((size * 100).toPrecision(12))}% of available margin`;
  if (isObject(size) && typeof size.param === "string")
    return `${numText(size)} of available margin`;
  return raw(size);
}

/** A parameter's declared bounds: `integer, > 0, <= 1`; `any number` without any. */
function boundsText(declared: Json): string {
  if (!isObject(declared)) return raw(declared);
  const parts: string[] = [];
  if (declared.integer === true) parts.push("integer");
  if (typeof declared.min === "number")
    parts.push(`${declared.minExclusive === true ? ">" : ">="} ${declared.min}`);
  if (typeof declared.max === "number")
    parts.push(`${declared.maxExclusive === true ? "<" : "<="} ${declared.max}`);
  return parts.length ? parts.join(", ") : "any number";
}

const SIDES = ["long", "short"] as const;
const entries = (value: Json): [string, Json][] => (isObject(value) ? Object.entries(value) : []);

/**
 * The whole definition as text. `values` are the run's parameter values, shown beside each
 * declared parameter (the best combination's for a sweep).
 * @example describeDefinition(definition, { fast: 10, slow: 30 }).rules[0].text
 *   // "SMA(fast) crosses above SMA(slow)"
 */
export function describeDefinition(
  definition: Json,
  values: Readonly<Record<string, number>> = {},
): DefinitionText {
  const d = isObject(definition) ? definition : {};
  const rules: RuleText[] = [];
  for (const rule of ["entry", "exit"] as const) {
    const sides = d[rule];
    if (!isObject(sides)) continue;
    for (const side of SIDES) {
      if (sides[side] !== undefined) rules.push({ rule, side, text: condText(sides[side]) });
    }
  }
  const constraints = Array.isArray(d.constraints) ? d.constraints : [];
  return {
    name: typeof d.name === "string" ? d.name : null,
    description: typeof d.description === "string" ? d.description : null,
    rules,
    series: entries(d.series).map(([name, expr]) => ({ name, text: exprText(expr) })),
    parameters: entries(d.parameters).map(([name, declared]) => ({
      name,
      value: typeof values[name] === "number" ? values[name] : null,
      bounds: boundsText(declared),
    })),
    constraints: constraints.map((c: Json) =>
      isObject(c) && [c.left, c.op, c.right].every((x) => typeof x === "string")
        ? `${c.left} ${c.op} ${c.right}`
        : raw(c),
    ),
    size: sizeText(d.size),
    stopLoss: d.stopLoss === undefined ? null : levelText(d.stopLoss),
    takeProfit: d.takeProfit === undefined ? null : levelText(d.takeProfit),
  };
}

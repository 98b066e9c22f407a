// Generated from backtest-job/engine/definition/describe-definition.ts (types stripped): edit
// that file, then run `npx tsx functions/api/dashboard/definition-text-module.ts`.
const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
const raw = (value) => JSON.stringify(value) ?? String(value);
function kindOf(node) {
  if (!isObject(node)) return void 0;
  const keys = Object.keys(node);
  const kinds = "previous" in node ? keys.filter((k) => k !== "bars") : keys;
  return kinds.length === 1 ? kinds[0] : void 0;
}
function numText(value) {
  if (typeof value === "number") return String(value);
  if (isObject(value) && typeof value.param === "string" && Object.keys(value).length === 1)
    return value.param;
  return raw(value);
}
const barsText = (bars) => `${numText(bars)} ${bars === 1 ? "bar" : "bars"}`;
const call = (name, ...args) => `${name}(${args.map(numText).join(", ")})`;
function exprText(expr) {
  if (typeof expr === "number" || typeof expr === "string") return String(expr);
  if (!isObject(expr)) return raw(expr);
  const kind = kindOf(expr);
  const body = kind === void 0 ? void 0 : expr[kind];
  if (kind === "param") return numText(expr);
  if (kind === "previous") {
    const inner = exprText(body);
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
      const rest = body.signal === void 0 ? [] : [body.signal];
      return call(name, body.fast, body.slow, ...rest);
    }
    default:
      return raw(expr);
  }
}
const COMPARISONS = /* @__PURE__ */ new Set(["<", "<=", ">", ">="]);
function operandText(cond) {
  const kind = kindOf(cond);
  const text = condText(cond);
  return kind === "and" || kind === "or" || kind === "heldFor" ? `(${text})` : text;
}
function condText(cond) {
  const kind = kindOf(cond);
  if (kind === void 0 || !isObject(cond)) return raw(cond);
  const body = cond[kind];
  const pair = Array.isArray(body) && body.length === 2 ? body : void 0;
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
function levelText(level) {
  if (isObject(level) && level.percent !== void 0 && level.atr === void 0)
    return `${numText(level.percent)}% from the signal bar's close`;
  if (isObject(level) && level.atr !== void 0 && level.percent === void 0)
    return `${numText(level.multiple)} \xD7 ${call("ATR", level.atr)} from the signal bar's close`;
  return raw(level);
}
function sizeText(size) {
  if (size === void 0 || size === 1) return "all-in";
  if (typeof size === "number")
    return `${Number((size * 100).toPrecision(12))}% of available margin`;
  if (isObject(size) && typeof size.param === "string")
    return `${numText(size)} of available margin`;
  return raw(size);
}
function boundsText(declared) {
  if (!isObject(declared)) return raw(declared);
  const parts = [];
  if (declared.integer === true) parts.push("integer");
  if (typeof declared.min === "number")
    parts.push(`${declared.minExclusive === true ? ">" : ">="} ${declared.min}`);
  if (typeof declared.max === "number")
    parts.push(`${declared.maxExclusive === true ? "<" : "<="} ${declared.max}`);
  return parts.length ? parts.join(", ") : "any number";
}
const SIDES = ["long", "short"];
const entries = (value) => (isObject(value) ? Object.entries(value) : []);
function describeDefinition(definition, values = {}) {
  const d = isObject(definition) ? definition : {};
  const rules = [];
  for (const rule of ["entry", "exit"]) {
    const sides = d[rule];
    if (!isObject(sides)) continue;
    for (const side of SIDES) {
      if (sides[side] !== void 0) rules.push({ rule, side, text: condText(sides[side]) });
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
    constraints: constraints.map((c) =>
      isObject(c) && [c.left, c.op, c.right].every((x) => typeof x === "string")
        ? `${c.left} ${c.op} ${c.right}`
        : raw(c),
    ),
    size: sizeText(d.size),
    stopLoss: d.stopLoss === void 0 ? null : levelText(d.stopLoss),
    takeProfit: d.takeProfit === void 0 ? null : levelText(d.takeProfit),
  };
}

export { condText, describeDefinition, exprText, levelText, numText, sizeText };

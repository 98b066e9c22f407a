// Checks a strategy definition end to end and turns it into the compiler's nodes.
import type { z } from "zod";
import { InvalidDefinition, type IssueAt } from "../errors.ts";
import type {
  CondNode,
  ConstraintNode,
  LevelNode,
  NumNode,
  ParameterBounds,
  ParsedDefinition,
  SeriesNode,
} from "./ast.ts";
import {
  type Cond,
  type Definition,
  DefinitionSchema,
  type Expr,
  type Level,
  MAX_DEPTH,
  MAX_JSON_DEPTH,
  MAX_LOOKBACK,
  MAX_NODES,
  type Num,
  PRICE_FIELDS,
  type PriceField,
} from "./schema.ts";

/** What a use of a number requires of it; a parameter must satisfy every use it has. */
interface Role {
  readonly what: string;
  readonly integer: boolean;
  readonly min: number;
  readonly minExclusive: boolean;
  readonly max: number;
  readonly maxExclusive: boolean;
}

const role = (
  what: string,
  integer: boolean,
  [min, minExclusive]: [number, boolean],
  [max, maxExclusive]: [number, boolean],
): Role => ({ what, integer, min, minExclusive, max, maxExclusive });

const ROLES = {
  period: role(
    `a period (a whole number from 1 to ${MAX_LOOKBACK})`,
    true,
    [1, false],
    [MAX_LOOKBACK, false],
  ),
  bars: role(
    `a bar count (a whole number from 1 to ${MAX_LOOKBACK})`,
    true,
    [1, false],
    [MAX_LOOKBACK, false],
  ),
  stdDev: role(
    "a band width in standard deviations (above 0, at most 10)",
    false,
    [0, true],
    [10, false],
  ),
  size: role("a size (a fraction of equity above 0, at most 1)", false, [0, true], [1, false]),
  stopPercent: role("a stop-loss percentage (above 0, below 100)", false, [0, true], [100, true]),
  profitPercent: role(
    "a take-profit percentage (above 0, at most 10000)",
    false,
    [0, true],
    [10_000, false],
  ),
  multiple: role("an ATR multiple (above 0, at most 1000)", false, [0, true], [1000, false]),
  value: role("a value", false, [-Number.MAX_VALUE, false], [Number.MAX_VALUE, false]),
} as const;

function fits(r: Role, v: number): boolean {
  if (!Number.isFinite(v) || (r.integer && !Number.isInteger(v))) return false;
  if (r.minExclusive ? v <= r.min : v < r.min) return false;
  return r.maxExclusive ? v < r.max : v <= r.max;
}

/** Refuses values nested deeper than any legal definition, without recursing. */
function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Zod's issues as paths and messages. A union that failed reports every branch; the
 * branch the value was evidently meant for (the one not refused at its root for its type or
 * for its keys) says what is wrong inside it, and otherwise the union's own message stands.
 */
function flatten(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[], out: IssueAt[]): void {
  const unknownAt = new Set(
    issues.filter((i) => i.code === "unrecognized_keys").map((i) => i.path.join(".")),
  );
  for (const issue of issues) {
    const kindMissing = issue.code === "custom" && issue.params?.kindMissing === true;
    // "unknown key smaa" says it already; "needs one of" beside it would say it twice.
    if (kindMissing && unknownAt.has(issue.path.join("."))) continue;
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const shallow = (branch: z.core.$ZodIssue[]) =>
        branch.some(
          (i) =>
            i.path.length === 0 && (i.code === "invalid_type" || i.code === "unrecognized_keys"),
        );
      const meant = issue.errors.filter((branch) => !shallow(branch));
      if (meant.length === 1) {
        flatten(meant[0], path, out);
        continue;
      }
    }
    if (issue.code === "invalid_key" && issue.issues.length > 0) {
      // A record's key that fails its own schema: say why, not only "Invalid key in record".
      flatten(issue.issues, path, out);
      continue;
    }
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown ${issue.keys.length > 1 ? "keys" : "key"} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
        : issue.message;
    out.push({ path: path.map(String).join("."), message });
  }
}

/** Walks a schema-valid definition, resolving names and collecting every problem. */
class Checker {
  readonly issues: IssueAt[] = [];
  readonly uses = new Map<string, { role: Role; path: string }[]>();
  readonly declared: Readonly<Record<string, unknown>>;
  readonly known = new Set<string>();
  nodes = 0;

  constructor(declared: Readonly<Record<string, unknown>>) {
    this.declared = declared;
  }

  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  num(value: Num, r: Role, path: string): NumNode {
    if (typeof value === "number") {
      if (!fits(r, value)) this.fail(path, `${value} is not ${r.what}`);
      return { kind: "number", value };
    }
    const name = value.param;
    if (!Object.hasOwn(this.declared, name)) {
      this.fail(`${path}.param`, `"${name}" is not a declared parameter`);
    } else {
      const list = this.uses.get(name) ?? [];
      list.push({ role: r, path });
      this.uses.set(name, list);
    }
    return { kind: "param", name };
  }

  count(path: string, depth: number): void {
    this.nodes++;
    if (depth === MAX_DEPTH + 1) this.fail(path, `nested deeper than ${MAX_DEPTH} levels`);
  }

  series(e: Expr, path: string, depth: number): SeriesNode {
    this.count(path, depth);
    if (typeof e === "number" || (typeof e === "object" && "param" in e)) {
      return { kind: "constant", value: this.num(e as Num, ROLES.value, path) };
    }
    if (typeof e === "string") {
      if ((PRICE_FIELDS as readonly string[]).includes(e)) {
        return { kind: "field", field: e as PriceField };
      }
      if (!this.known.has(e)) {
        this.fail(
          path,
          `"${e}" is neither a price field (${PRICE_FIELDS.join(", ")}) nor a series defined above`,
        );
      }
      return { kind: "named", name: e };
    }
    const at = (key: string) => `${path}.${key}`;
    if ("sma" in e)
      return { kind: "sma", period: this.num(e.sma.period, ROLES.period, at("sma.period")) };
    if ("ema" in e)
      return { kind: "ema", period: this.num(e.ema.period, ROLES.period, at("ema.period")) };
    if ("rsi" in e)
      return { kind: "rsi", period: this.num(e.rsi.period, ROLES.period, at("rsi.period")) };
    if ("atr" in e)
      return { kind: "atr", period: this.num(e.atr.period, ROLES.period, at("atr.period")) };
    if ("bollinger" in e) {
      const b = e.bollinger;
      return {
        kind: "bollinger",
        period: this.num(b.period, ROLES.period, at("bollinger.period")),
        stdDev: this.num(b.stdDev, ROLES.stdDev, at("bollinger.stdDev")),
        band: b.band,
      };
    }
    if ("macd" in e) {
      const m = e.macd;
      return {
        kind: "macd",
        fast: this.num(m.fast, ROLES.period, at("macd.fast")),
        slow: this.num(m.slow, ROLES.period, at("macd.slow")),
        signal:
          m.signal === undefined ? undefined : this.num(m.signal, ROLES.period, at("macd.signal")),
        line: m.line,
      };
    }
    if ("donchian" in e) {
      const d = e.donchian;
      return {
        kind: "donchian",
        period: this.num(d.period, ROLES.period, at("donchian.period")),
        band: d.band,
      };
    }
    return {
      kind: "previous",
      of: this.series(e.previous, at("previous"), depth + 1),
      bars:
        e.bars === undefined
          ? { kind: "number", value: 1 }
          : this.num(e.bars, ROLES.bars, at("bars")),
    };
  }

  cond(c: Cond, path: string, depth: number): CondNode {
    this.count(path, depth);
    const pair = (key: string, [a, b]: readonly [Expr, Expr]) =>
      [
        this.series(a, `${path}.${key}.0`, depth + 1),
        this.series(b, `${path}.${key}.1`, depth + 1),
      ] as const;
    if ("crossesAbove" in c) {
      const [left, right] = pair("crossesAbove", c.crossesAbove);
      return { kind: "crossesAbove", left, right };
    }
    if ("crossesBelow" in c) {
      const [left, right] = pair("crossesBelow", c.crossesBelow);
      return { kind: "crossesAbove", left: right, right: left };
    }
    for (const op of ["<", "<=", ">", ">="] as const) {
      if (op in c) {
        const [left, right] = pair(op, (c as Record<typeof op, readonly [Expr, Expr]>)[op]);
        return { kind: "compare", op, left, right };
      }
    }
    if ("and" in c || "or" in c) {
      const kind = "and" in c ? "and" : "or";
      const list = "and" in c ? c.and : (c as { or: readonly Cond[] }).or;
      return {
        kind,
        operands: list.map((x, k) => this.cond(x, `${path}.${kind}.${k}`, depth + 1)),
      };
    }
    if ("not" in c) return { kind: "not", operand: this.cond(c.not, `${path}.not`, depth + 1) };
    const h = (c as { heldFor: { bars: Num; condition: Cond } }).heldFor;
    return {
      kind: "heldFor",
      bars: this.num(h.bars, ROLES.bars, `${path}.heldFor.bars`),
      operand: this.cond(h.condition, `${path}.heldFor.condition`, depth + 1),
    };
  }

  level(l: Level, percent: Role, path: string): LevelNode {
    this.count(path, 1);
    if ("percent" in l)
      return { kind: "percent", percent: this.num(l.percent, percent, `${path}.percent`) };
    return {
      kind: "atr",
      period: this.num(l.atr, ROLES.period, `${path}.atr`),
      multiple: this.num(l.multiple, ROLES.multiple, `${path}.multiple`),
    };
  }

  /** Each parameter's declared bounds, narrowed by every use; an empty range is a problem. */
  bounds(definition: Definition): ParameterBounds[] {
    const out: ParameterBounds[] = [];
    for (const [name, declared] of Object.entries(definition.parameters ?? {})) {
      const path = `parameters.${name}`;
      const uses = this.uses.get(name);
      if (!uses) {
        this.fail(path, "declared but used nowhere in the rules, series or orders");
        continue;
      }
      let b: ParameterBounds = {
        name,
        integer: declared.integer ?? false,
        min: declared.min ?? -Number.MAX_VALUE,
        minExclusive: declared.minExclusive ?? false,
        max: declared.max ?? Number.MAX_VALUE,
        maxExclusive: declared.maxExclusive ?? false,
      };
      for (const { role: r } of uses) b = narrow(b, r);
      const empty = b.min > b.max || (b.min === b.max && (b.minExclusive || b.maxExclusive));
      if (empty) {
        const what = uses.map((u) => `${u.role.what} at ${u.path}`).join(", ");
        this.fail(path, `no value fits the declared bounds and its uses: ${what}`);
      }
      out.push(b);
    }
    return out;
  }
}

function narrow(b: ParameterBounds, r: Role): ParameterBounds {
  const min =
    r.min > b.min || (r.min === b.min && r.minExclusive)
      ? { min: r.min, minExclusive: r.minExclusive }
      : { min: b.min, minExclusive: b.minExclusive };
  const max =
    r.max < b.max || (r.max === b.max && r.maxExclusive)
      ? { max: r.max, maxExclusive: r.maxExclusive }
      : { max: b.max, maxExclusive: b.maxExclusive };
  return { ...b, integer: b.integer || r.integer, ...min, ...max };
}

function constraintsOf(definition: Definition, check: Checker): ConstraintNode[] {
  const declared = definition.parameters ?? {};
  return (definition.constraints ?? []).map((c, k) => {
    for (const side of ["left", "right"] as const) {
      if (!Object.hasOwn(declared, c[side])) {
        check.fail(`constraints.${k}.${side}`, `"${c[side]}" is not a declared parameter`);
      }
    }
    if (c.left === c.right)
      check.fail(`constraints.${k}`, "a constraint needs two different parameters");
    return { left: c.left, op: c.op, right: c.right };
  });
}

/**
 * Checks `raw` against the schema, the names it uses, the limits (depth, nodes, periods)
 * and the bounds of each parameter, and returns it as nodes for the compiler. Every problem
 * found is reported at once, each with its path, in an {@link InvalidDefinition}.
 *
 * @example parseDefinition(JSON.parse(file)).entryLong // { kind: "crossesAbove", ... }
 */
export function parseDefinition(raw: unknown): ParsedDefinition {
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
    throw new InvalidDefinition([
      { path: "", message: `nested deeper than ${MAX_DEPTH} levels of conditions and series` },
    ]);
  }
  const result = DefinitionSchema.safeParse(raw);
  if (!result.success) {
    const issues: IssueAt[] = [];
    flatten(result.error.issues, [], issues);
    throw new InvalidDefinition(issues);
  }
  const definition = result.data;
  const check = new Checker(definition.parameters ?? {});
  const series = new Map<string, SeriesNode>();
  for (const [name, expr] of Object.entries(definition.series ?? {})) {
    if ((PRICE_FIELDS as readonly string[]).includes(name)) {
      check.fail(`series.${name}`, "a series may not take a price field's name");
    }
    series.set(name, check.series(expr, `series.${name}`, 1));
    check.known.add(name);
  }
  const rule = (c: Cond | undefined, path: string) =>
    c === undefined ? undefined : check.cond(c, path, 1);
  const parsed: ParsedDefinition = {
    source: definition,
    parameters: [],
    constraints: constraintsOf(definition, check),
    series,
    entryLong: rule(definition.entry.long, "entry.long"),
    entryShort: rule(definition.entry.short, "entry.short"),
    exitLong: rule(definition.exit?.long, "exit.long"),
    exitShort: rule(definition.exit?.short, "exit.short"),
    size: check.num(definition.size ?? 1, ROLES.size, "size"),
    stopLoss:
      definition.stopLoss && check.level(definition.stopLoss, ROLES.stopPercent, "stopLoss"),
    takeProfit:
      definition.takeProfit &&
      check.level(definition.takeProfit, ROLES.profitPercent, "takeProfit"),
  };
  if (check.nodes > MAX_NODES) check.fail("", `${check.nodes} nodes, more than ${MAX_NODES}`);
  const parameters = check.bounds(definition);
  if (check.issues.length > 0) throw new InvalidDefinition(check.issues);
  return { ...parsed, parameters };
}

// Lays a parsed definition out as numbered slots: the series, numbers and conditions a kernel reads.
import type {
  CompareOp,
  CondNode,
  IndicatorNode,
  LevelNode,
  NumNode,
  ParsedDefinition,
  SeriesNode,
} from "./ast.ts";
import type { PriceField } from "./schema.ts";

/** A series the kernel reads by index: a price field or an indicator, found per combination. */
export type SeriesSlot = { readonly kind: "field"; readonly field: PriceField } | IndicatorNode;

/** A number the kernel reads by index: `offset` plus the sum of `terms`, per combination. */
export interface NumberSlot {
  readonly terms: readonly NumNode[];
  readonly offset: number;
  /** A bar count (a shift or a `heldFor` span), which the kernel reads as an integer. */
  readonly integer: boolean;
}

/** A value at each bar: series or number slot `slot`, `shift` bars back. */
export interface Operand {
  readonly base: "series" | "number";
  readonly slot: number;
  /** The number slot holding the shift in bars, or -1 for none. */
  readonly shift: number;
}

/** A condition over operands (by index in {@link KernelPlan.operands}). */
export type CondPlan =
  | {
      readonly kind: "compare";
      readonly op: CompareOp;
      readonly left: number;
      readonly right: number;
    }
  | { readonly kind: "and" | "or"; readonly operands: readonly CondPlan[] }
  | { readonly kind: "not"; readonly operand: CondPlan }
  /** True when counter `counter` (bars in a row its condition held) reaches number `bars`. */
  | { readonly kind: "held"; readonly counter: number; readonly bars: number };

/** A `heldFor`: its counter counts the bars in a row, up to this one, that `condition` held. */
export interface HeldPlan {
  readonly counter: number;
  readonly condition: CondPlan;
}

/** What the kernel of one definition reads and evaluates; every name is a number we gave. */
export interface KernelPlan {
  readonly series: readonly SeriesSlot[];
  readonly numbers: readonly NumberSlot[];
  readonly operands: readonly Operand[];
  /** Every `heldFor`, inner ones before the ones that contain them: the update order. */
  readonly held: readonly HeldPlan[];
  /** The rules in signal-bit order: entry long, entry short, exit long, exit short. */
  readonly rules: readonly [
    CondPlan | undefined,
    CondPlan | undefined,
    CondPlan | undefined,
    CondPlan | undefined,
  ];
  /** Series slots that are indicators: the latest first defined bar among them sets the start. */
  readonly indicators: readonly number[];
  /**
   * For each operand, the operand it equals one bar later, or -1: `a[i-1]` of a cross is
   * `a[i]` of the bar before, so the loop carries it over instead of reading it again.
   */
  readonly carriedFrom: readonly number[];
  /** Series slot of the ATR of each ATR level, or -1. */
  readonly stopLossAtr: number;
  readonly takeProfitAtr: number;
}

const numKey = (n: NumNode) => (n.kind === "number" ? `n${n.value}` : `p${n.name}`);

/**
 * The slots and conditions of `parsed`. Equal series, numbers and operands share one slot
 * (two `sma` of the same period are one series), so a kernel reads each once per bar.
 * `crossesAbove: [a, b]` becomes `a[i-1] < b[i-1] and a[i] > b[i]` (backtesting.py's
 * `crossover`), named series are inlined, and nested `previous` shifts add up.
 *
 * @example layoutKernel(parseDefinition(smaCross)).series // [{ kind: "sma", ... }, ...]
 */
export function layoutKernel(parsed: ParsedDefinition): KernelPlan {
  const series: SeriesSlot[] = [];
  const seriesKeys = new Map<string, number>();
  const numbers: NumberSlot[] = [];
  const numberKeys = new Map<string, number>();
  const operands: Operand[] = [];
  const operandKeys = new Map<string, number>();
  const held: HeldPlan[] = [];
  const indicators = new Set<number>();

  const seriesSlot = (slot: SeriesSlot): number => {
    const key = JSON.stringify(slot);
    let k = seriesKeys.get(key);
    if (k === undefined) {
      k = series.push(slot) - 1;
      seriesKeys.set(key, k);
      if (slot.kind !== "field") indicators.add(k);
    }
    return k;
  };
  const numberKey = (terms: readonly NumNode[], offset: number, integer: boolean) =>
    `${integer}|${offset}|${terms.map(numKey).join(",")}`;
  const numberSlot = (terms: readonly NumNode[], offset: number, integer: boolean): number => {
    const sorted = [...terms].sort((a, b) => (numKey(a) < numKey(b) ? -1 : 1));
    const key = numberKey(sorted, offset, integer);
    let k = numberKeys.get(key);
    if (k === undefined) {
      k = numbers.push({ terms: sorted, offset, integer }) - 1;
      numberKeys.set(key, k);
    }
    return k;
  };
  const operand = (base: "series" | "number", slot: number, shift: number): number => {
    const key = `${base}${slot}@${shift}`;
    let k = operandKeys.get(key);
    if (k === undefined) {
      k = operands.push({ base, slot, shift }) - 1;
      operandKeys.set(key, k);
    }
    return k;
  };

  /** The operand of `node` shifted back by `terms` plus `offset` bars. */
  const lower = (node: SeriesNode, terms: readonly NumNode[], offset: number): number => {
    const shift = terms.length === 0 && offset === 0 ? -1 : numberSlot(terms, offset, true);
    switch (node.kind) {
      case "constant":
        return operand("number", numberSlot([node.value], 0, false), shift);
      case "named":
        return lower(named(node.name), terms, offset);
      case "previous":
        return lower(node.of, [...terms, node.bars], offset);
      case "field":
        return operand("series", seriesSlot({ kind: "field", field: node.field }), shift);
      default:
        return operand("series", seriesSlot(node), shift);
    }
  };
  const named = (name: string): SeriesNode => {
    const node = parsed.series.get(name);
    // parse.ts resolves every name; a miss here is a compiler bug, not a bad definition.
    if (node === undefined) throw new Error(`series "${name}" is not defined`);
    return node;
  };
  /** Registers the indicators under `node`, used or not: each one counts in the start. */
  const visitIndicators = (node: SeriesNode): void => {
    if (node.kind === "previous") visitIndicators(node.of);
    else if (node.kind !== "constant" && node.kind !== "named" && node.kind !== "field") {
      seriesSlot(node);
    }
  };

  const cond = (node: CondNode): CondPlan => {
    switch (node.kind) {
      case "compare":
        return {
          kind: "compare",
          op: node.op,
          left: lower(node.left, [], 0),
          right: lower(node.right, [], 0),
        };
      case "crossesAbove":
        return {
          kind: "and",
          operands: [
            {
              kind: "compare",
              op: "<",
              left: lower(node.left, [], 1),
              right: lower(node.right, [], 1),
            },
            {
              kind: "compare",
              op: ">",
              left: lower(node.left, [], 0),
              right: lower(node.right, [], 0),
            },
          ],
        };
      case "and":
      case "or":
        return { kind: node.kind, operands: node.operands.map(cond) };
      case "not":
        return { kind: "not", operand: cond(node.operand) };
      case "heldFor": {
        const condition = cond(node.operand);
        const counter = held.push({ counter: held.length, condition }) - 1;
        return { kind: "held", counter, bars: numberSlot([node.bars], 0, true) };
      }
    }
  };

  for (const node of parsed.series.values()) visitIndicators(node);
  const rule = (node: CondNode | undefined) => (node === undefined ? undefined : cond(node));
  const rules = [
    rule(parsed.entryLong),
    rule(parsed.entryShort),
    rule(parsed.exitLong),
    rule(parsed.exitShort),
  ] as const;
  const levelAtr = (level: LevelNode | undefined): number =>
    level?.kind === "atr" ? seriesSlot({ kind: "atr", period: level.period }) : -1;
  const stopLossAtr = levelAtr(parsed.stopLoss);
  const takeProfitAtr = levelAtr(parsed.takeProfit);
  const carriedFrom = operands.map((o) => {
    if (o.base !== "series" || o.shift < 0) return -1;
    const { terms, offset } = numbers[o.shift];
    if (offset < 1) return -1;
    const shift =
      terms.length === 0 && offset === 1 ? -1 : numberKeys.get(numberKey(terms, offset - 1, true));
    if (shift === undefined) return -1;
    return operandKeys.get(`${o.base}${o.slot}@${shift}`) ?? -1;
  });
  return {
    series,
    numbers,
    operands,
    held,
    rules,
    indicators: [...indicators],
    carriedFrom,
    stopLossAtr,
    takeProfitAtr,
  };
}

// A checked definition as the compiler reads it: nodes discriminated by `kind`, names resolved.
import type { Definition, PriceField } from "./schema.ts";

/** A number in the definition, or a reference to a parameter. */
export type NumNode =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "param"; readonly name: string };

export type Band = "upper" | "middle" | "lower";

/** A series node. `named` refers to an entry of {@link ParsedDefinition.series}. */
export type SeriesNode =
  | { readonly kind: "constant"; readonly value: NumNode }
  | { readonly kind: "field"; readonly field: PriceField }
  | { readonly kind: "named"; readonly name: string }
  | { readonly kind: "sma" | "ema" | "rsi" | "atr"; readonly period: NumNode }
  | {
      readonly kind: "bollinger";
      readonly period: NumNode;
      readonly stdDev: NumNode;
      readonly band: Band;
    }
  | {
      readonly kind: "macd";
      readonly fast: NumNode;
      readonly slow: NumNode;
      /** Unset only for the MACD line itself. */
      readonly signal: NumNode | undefined;
      readonly line: "macd" | "signal" | "histogram";
    }
  | { readonly kind: "donchian"; readonly period: NumNode; readonly band: Band }
  | { readonly kind: "previous"; readonly of: SeriesNode; readonly bars: NumNode };

/** The series kinds that are indicators: each sets the strategy's start (language rule). */
export type IndicatorNode = Extract<
  SeriesNode,
  { kind: "sma" | "ema" | "rsi" | "atr" | "bollinger" | "macd" | "donchian" }
>;

export type CompareOp = "<" | "<=" | ">" | ">=";

/** A condition node. `crossesBelow: [a, b]` arrives here as `crossesAbove` of `b` over `a`. */
export type CondNode =
  | {
      readonly kind: "compare";
      readonly op: CompareOp;
      readonly left: SeriesNode;
      readonly right: SeriesNode;
    }
  | { readonly kind: "crossesAbove"; readonly left: SeriesNode; readonly right: SeriesNode }
  | { readonly kind: "and" | "or"; readonly operands: readonly CondNode[] }
  | { readonly kind: "not"; readonly operand: CondNode }
  | { readonly kind: "heldFor"; readonly bars: NumNode; readonly operand: CondNode };

/** A stop-loss or take-profit level. */
export type LevelNode =
  | { readonly kind: "percent"; readonly percent: NumNode }
  | { readonly kind: "atr"; readonly period: NumNode; readonly multiple: NumNode };

/** The values one parameter may take: its declared bounds narrowed by every use. */
export interface ParameterBounds {
  readonly name: string;
  readonly integer: boolean;
  readonly min: number;
  readonly minExclusive: boolean;
  readonly max: number;
  readonly maxExclusive: boolean;
}

export interface ConstraintNode {
  readonly left: string;
  readonly op: CompareOp;
  readonly right: string;
}

/** A definition that passed every check, ready to compile. */
export interface ParsedDefinition {
  /** The definition as given (after the schema): stored with a run and shown to users. */
  readonly source: Definition;
  /** Parameters in declared order, which is the grid's enumeration order. */
  readonly parameters: readonly ParameterBounds[];
  readonly constraints: readonly ConstraintNode[];
  /** Named series in declared order; each refers only to names before it. */
  readonly series: ReadonlyMap<string, SeriesNode>;
  readonly entryLong: CondNode | undefined;
  readonly entryShort: CondNode | undefined;
  readonly exitLong: CondNode | undefined;
  readonly exitShort: CondNode | undefined;
  /** Fraction of equity per entry; 1 (all-in) unless the definition sets it. */
  readonly size: NumNode;
  readonly stopLoss: LevelNode | undefined;
  readonly takeProfit: LevelNode | undefined;
}

// The strategy definition language's public face: its schema and limits, the checker, the compiler.

export { InvalidDefinition, type IssueAt } from "../errors.ts";
export type {
  CondNode,
  IndicatorNode,
  NumNode,
  ParameterBounds,
  ParsedDefinition,
  SeriesNode,
} from "./ast.ts";
export { compileDefinition, strategyFromDefinition } from "./compile.ts";
export { describeDefinition } from "./describe-definition.ts";
export { parseDefinition } from "./parse.ts";
export {
  type Cond,
  CondSchema,
  type Definition,
  DefinitionSchema,
  type Expr,
  ExprSchema,
  type Level,
  MAX_CONSTRAINTS,
  MAX_DEPTH,
  MAX_JSON_DEPTH,
  MAX_LOOKBACK,
  MAX_NODES,
  MAX_OPERANDS,
  MAX_PARAMETERS,
  MAX_SERIES,
  NAME,
  type Num,
  type Parameter,
  ParameterSchema,
  PRICE_FIELDS,
  type PriceField,
} from "./schema.ts";

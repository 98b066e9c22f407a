// Parameter grids: parsing, counting, deterministic enumeration, filtering and sharding.
import { z } from "zod";
import { countByArithmetic } from "./count-combinations.ts";
import { InvalidParams } from "./errors.ts";
import { type AnyStrategy, type Params, satisfiesConstraints } from "./strategy.ts";

/** An inclusive range `{from, to, step}`. */
export const RangeSchema = z
  .object({ from: z.number().finite(), to: z.number().finite(), step: z.number().finite().gt(0) })
  .strict()
  .refine((r) => r.from <= r.to, { message: "from must not exceed to", path: ["to"] });

/** One parameter's values: a number, a non-empty list, or an inclusive range. */
export const GridValueSchema = z.union([
  z.number().finite(),
  z.array(z.number().finite()).min(1, "the list is empty").max(100_000),
  RangeSchema,
]);

/**
 * A parameter grid, e.g. `{"fast": {"from": 5, "to": 20, "step": 5}, "slow": [30, 50]}`.
 * The same format is used by the CLI and by the webhook request.
 */
export const GridSchema = z.record(z.string().min(1), GridValueSchema);
export type Grid = z.infer<typeof GridSchema>;

/** Values of one parameter, largest number a range may expand to. */
export const MAX_VALUES_PER_PARAMETER = 100_000;
/** Largest cartesian product a grid may describe before constraints are applied. */
export const MAX_CARTESIAN = 20_000_000;

/**
 * Before constraints, a grid may be at most this many times the cap on combinations.
 * Counting is arithmetic and costs nothing like this, but every shard of the Job enumerates
 * (and allocates) the whole cartesian product in planSweep, so the product stays a bounded
 * multiple of the cap. Ingest refuses past it, and dispatch checks again.
 */
export const CARTESIAN_FACTOR = 20;

/** The largest cartesian product a grid may have under `cap` combinations. */
export function cartesianLimit(cap: number): number {
  return Math.min(cap * CARTESIAN_FACTOR, MAX_CARTESIAN);
}

/** The valid combinations of a grid, in enumeration order, stored flat. */
export interface SweepPlan {
  readonly strategy: AnyStrategy;
  /** Parameter names in the strategy's declared order. */
  readonly names: readonly string[];
  /** `values[k * names.length + j]` is parameter j of combination k. */
  readonly values: Float64Array;
  /** Number of valid combinations. */
  readonly count: number;
  /** Size of the cartesian product, before constraints. */
  readonly cartesian: number;
}

type GridValue = z.infer<typeof GridValueSchema>;

/** How many values `expand` gives, without expanding: sizes are checked before any work. */
function valueCount(value: GridValue, name: string): number {
  if (typeof value === "number") return 1;
  if (Array.isArray(value)) return new Set(value).size;
  const count = Math.floor((value.to - value.from) / value.step + 1e-9) + 1;
  if (count > MAX_VALUES_PER_PARAMETER) {
    throw new InvalidParams(
      `grid.${name}: the range gives ${count} values, more than ${MAX_VALUES_PER_PARAMETER}`,
    );
  }
  return count;
}

/** The values of one parameter, `count` of them (from {@link valueCount}). */
function expand(value: GridValue, count: number): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return [...new Set(value)];
  const { from, step } = value;
  // Whole numbers under 10^12 in size are exact in doubles and have at most 12 digits, so
  // the rounding below would return them unchanged: skipping it keeps period ranges cheap.
  const last = from + (count - 1) * step;
  if (Number.isInteger(from) && Number.isInteger(step) && -1e12 < from && last < 1e12) {
    return Array.from({ length: count }, (_, k) => from + k * step);
  }
  // Rounding to 12 significant digits turns 0.1 + 2 * 0.1 into 0.3, not 0.30000000000000004.
  return Array.from({ length: count }, (_, k) => Number((from + k * step).toPrecision(12)));
}

/**
 * A plain predicate that accepts exactly what `schema` accepts, when the schema holds only
 * bounds and integrality (as every strategy's parameters do), else undefined. Zod takes about
 * a microsecond a value, too slow for 100,000-value ranges on a request thread; zod still
 * writes the message for a value this refuses.
 */
function plainCheck(schema: z.ZodNumber): ((v: number) => boolean) | undefined {
  const tests: ((v: number) => boolean)[] = [];
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    const bound = def.value;
    if (def.check === "number_format" && (def as { format?: string }).format === "safeint") {
      tests.push(Number.isSafeInteger);
    } else if (def.check === "greater_than" && typeof bound === "number") {
      tests.push(def.inclusive ? (v) => v >= bound : (v) => v > bound);
    } else if (def.check === "less_than" && typeof bound === "number") {
      tests.push(def.inclusive ? (v) => v <= bound : (v) => v < bound);
    } else {
      return undefined;
    }
  }
  return (v) => Number.isFinite(v) && tests.every((test) => test(v));
}

/** A validated grid before enumeration: each parameter's values, in declared order. */
export interface GridAxes {
  readonly names: readonly string[];
  readonly axes: readonly number[][];
  /** Size of the cartesian product, before constraints. */
  readonly cartesian: number;
}

/**
 * Validates a grid for `strategy`; every error names the parameter (and the index) at fault.
 * A grid of more than `maxCartesian` combinations before constraints is refused before any
 * value is expanded, so the work done is bounded by `maxCartesian`, not by the grid.
 */
export function gridAxes(
  strategy: AnyStrategy,
  rawGrid: unknown,
  maxCartesian = MAX_CARTESIAN,
): GridAxes {
  const parsed = GridSchema.safeParse(rawGrid);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidParams(
      `grid${issue.path.map((p) => `.${String(p)}`).join("")}: ${issue.message}`,
    );
  }
  const grid = parsed.data;
  const names = Object.keys(strategy.shape.shape);
  const unknown = Object.keys(grid).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw new InvalidParams(
      `grid: unknown parameter ${unknown.map((u) => `"${u}"`).join(", ")} for ${strategy.name} (parameters: ${names.join(", ")})`,
    );
  }
  const missing = names.filter((n) => !(n in grid));
  if (missing.length) {
    throw new InvalidParams(`grid: missing parameter ${missing.join(", ")} for ${strategy.name}`);
  }
  const counts = names.map((name) => valueCount(grid[name], name));
  const cartesian = counts.reduce((n, c) => n * c, 1);
  if (cartesian > maxCartesian) {
    throw new InvalidParams(
      `grid: ${cartesian} combinations before constraints, more than ${maxCartesian}`,
    );
  }
  const axes = names.map((name, j) => {
    const values = expand(grid[name], counts[j]);
    const schema = strategy.shape.shape[name];
    const accepts = plainCheck(schema);
    values.forEach((v, k) => {
      if (accepts?.(v)) return;
      const r = schema.safeParse(v);
      if (!r.success) {
        const where = typeof grid[name] === "number" ? "" : `[${k}]`;
        throw new InvalidParams(
          `grid.${name}${where}: ${v} is invalid: ${r.error.issues[0].message}`,
        );
      }
    });
    return values;
  });
  return { names, axes, cartesian };
}

/**
 * Visits every cartesian combination of `axes` in enumeration order (last parameter
 * fastest, like itertools.product), passing the ones that satisfy the constraints.
 */
function forEachValid(
  strategy: AnyStrategy,
  { names, axes, cartesian }: GridAxes,
  visit: (combo: Record<string, number>) => void,
): void {
  const width = names.length;
  const idx = new Array<number>(width).fill(0);
  const combo: Record<string, number> = {};
  for (let c = 0; c < cartesian; c++) {
    for (let j = 0; j < width; j++) combo[names[j]] = axes[j][idx[j]];
    if (satisfiesConstraints(strategy, combo)) visit(combo);
    for (let j = width - 1; j >= 0; j--) {
      if (++idx[j] < axes[j].length) break;
      idx[j] = 0;
    }
  }
}

/** Largest cartesian product counted by enumeration, for constraints arithmetic cannot count. */
export const MAX_ENUMERATED_FOR_COUNT = 100_000;

/**
 * How many valid combinations a validated grid has, without enumerating them: by
 * arithmetic on the sorted axes (count-combinations.ts), so even 10^10 combinations take
 * milliseconds. Constraints that form a cycle (a < b, b < c, a < c) fall back to
 * enumeration up to {@link MAX_ENUMERATED_FOR_COUNT} combinations, and beyond it the grid
 * is refused with {@link InvalidParams}. Agrees exactly with `planSweep(...).count`.
 */
export function countCombinations(strategy: AnyStrategy, grid: GridAxes): number {
  const counted = countByArithmetic(strategy.constraints, grid.names, grid.axes);
  if (counted !== undefined) return counted;
  if (grid.cartesian > MAX_ENUMERATED_FOR_COUNT) {
    throw new InvalidParams(
      `grid: ${grid.cartesian} combinations before constraints, more than the ${MAX_ENUMERATED_FOR_COUNT} that can be counted under the constraints of ${strategy.name}`,
    );
  }
  let count = 0;
  forEachValid(strategy, grid, () => count++);
  return count;
}

/** Parses a grid for `strategy` and enumerates its valid combinations. */
export function planSweep(strategy: AnyStrategy, rawGrid: unknown): SweepPlan {
  const { names, axes, cartesian } = gridAxes(strategy, rawGrid);
  const width = names.length;
  const out = new Float64Array(cartesian * width);
  let count = 0;
  forEachValid(strategy, { names, axes, cartesian }, (combo) => {
    for (let j = 0; j < width; j++) out[count * width + j] = combo[names[j]];
    count++;
  });
  if (count === 0) {
    const rules = strategy.constraints.map((c) => c.message).join("; ");
    throw new InvalidParams(
      `grid: no combination satisfies the constraints of ${strategy.name} (${rules})`,
    );
  }
  return { strategy, names, values: out.slice(0, count * width), count, cartesian };
}

/** Combination `k` of a plan as a new params object. */
export function comboAt(plan: SweepPlan, k: number): Params {
  return comboInto(plan, k, {});
}

/** Writes combination `k` into `target` and returns it: reusing one object saves garbage. */
export function comboInto(plan: SweepPlan, k: number, target: Record<string, number>): Params {
  const w = plan.names.length;
  for (let j = 0; j < w; j++) target[plan.names[j]] = plan.values[k * w + j];
  return target;
}

/** A shard selector `index` of `count`, both validated: 0 <= index < count. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses "i/n" (0-based i) into a {@link Shard}. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count) {
    throw new InvalidParams(`shard "${text}" must be i/n with 0 <= i < n, for example 0/4`);
  }
  return shard;
}

/** How many combinations shard `index` of `count` holds in a run of `total`: see {@link shardIndices}. */
export function shardSize(total: number, index: number, count: number): number {
  return Math.max(0, Math.ceil((total - index) / count));
}

/**
 * The combination indices of one shard: every `count`-th combination from `index`.
 * Interleaving balances shards, because neighbouring combinations cost about the same.
 */
export function shardIndices(total: number, shard: Shard): Int32Array {
  const n = shardSize(total, shard.index, shard.count);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = shard.index + k * shard.count;
  return out;
}

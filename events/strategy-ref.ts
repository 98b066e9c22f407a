// A request's strategy: a built-in's name, or a definition checked here only for shape and size.
import { z } from "zod";
import { escapeUnstorable, storable, storableTextProblem } from "./storable-text.ts";

/**
 * JSON levels (objects and arrays) a definition may nest. The engine refuses far less (its
 * language is at most 12 nodes deep); this cap only guarantees that nothing after the door
 * (the engine's schema, JSON.stringify when the event is sent) recurses deep enough to
 * exhaust the stack. JSON.parse itself is iterative in V8, so a body nested 100,000 deep
 * arrives here whole.
 */
export const MAX_DEFINITION_DEPTH = 64;
/** JSON values (objects, arrays, keys' values, elements) in one definition. */
export const MAX_DEFINITION_VALUES = 4096;
/**
 * A definition's size as compact JSON. The language's limits allow about 30 KiB at most (200
 * nodes, every number a parameter with a 32-character name, a 2,000-character description;
 * typical definitions are 1 to 2 KiB). With 48 KiB of inline CSV beside it, the request still
 * fits the Job's REQUEST variable (120 KiB, platform/launchers/job-spec.ts).
 */
export const MAX_DEFINITION_BYTES = 48 * 1024;
/** Problems listed for one definition: past this many, the rest are the same mistake again. */
const MAX_LISTED = 20;

/** A definition as it travels: a JSON object whose meaning only the engine knows. */
export type DefinitionJson = { readonly [key: string]: unknown };

/** The name the run goes by when its definition has none: `strategy` column, logs, callbacks. */
export const CUSTOM_STRATEGY_NAME = "custom";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Every problem of shape and nesting in `root`, walked with an explicit stack so that no depth
 * of nesting can overflow it: values JSON cannot carry, text Postgres cannot store (in keys
 * too: the request is kept as jsonb), nesting past {@link MAX_DEFINITION_DEPTH} and more
 * than {@link MAX_DEFINITION_VALUES} values.
 */
function shapeProblems(root: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const stack: [unknown, PropertyKey[]][] = [[root, []]];
  let values = 0;
  while (stack.length > 0 && problems.length < MAX_LISTED) {
    const [value, path] = stack.pop() as [unknown, PropertyKey[]];
    if (++values > MAX_DEFINITION_VALUES) {
      problems.push({ path: [], message: `more than ${MAX_DEFINITION_VALUES} JSON values` });
      break;
    }
    if (typeof value === "string") {
      const problem = storableTextProblem(value);
      if (problem) problems.push({ path, message: problem });
      continue;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) problems.push({ path, message: "not a finite number" });
      continue;
    }
    if (typeof value === "boolean" || value === null) continue;
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) {
      problems.push({ path, message: "not a JSON value" });
      continue;
    }
    if (path.length >= MAX_DEFINITION_DEPTH) {
      // The path itself could be 100,000 keys long: the definition's root names it.
      problems.push({ path: [], message: `nested deeper than ${MAX_DEFINITION_DEPTH} levels` });
      break;
    }
    const entries: [string | number, unknown][] = isArray
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    // Pushed in reverse so that problems come out in document order.
    for (let k = entries.length - 1; k >= 0; k--) {
      const [key, child] = entries[k];
      if (typeof key === "string") {
        const problem = storableTextProblem(key);
        if (problem) {
          problems.push({ path: [...path, escapeUnstorable(key)], message: `the key ${problem}` });
          continue;
        }
      }
      stack.push([child, [...path, key]]);
    }
  }
  return problems;
}

/** A built-in strategy's name; the engine says whether it knows it. */
export const StrategyNameSchema = storable(z.string().min(1).max(64));

/**
 * A strategy definition as JSON, bounded in depth and size and storable; what it means
 * (kinds, names, periods) is the engine's to check (docs/strategy-definitions.md).
 */
export const DefinitionJsonSchema = z
  .custom<DefinitionJson>(isPlainObject, { error: "expected a definition object" })
  .superRefine((definition, ctx) => {
    const problems = shapeProblems(definition);
    for (const { path, message } of problems) ctx.addIssue({ code: "custom", path, message });
    // Only now: JSON.stringify recurses, and the walk has bounded the depth.
    if (problems.length > 0) return;
    const bytes = Buffer.byteLength(JSON.stringify(definition));
    if (bytes > MAX_DEFINITION_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `${bytes} bytes as JSON, more than ${MAX_DEFINITION_BYTES}`,
      });
    }
  });

/** `strategy` of a request: a built-in's name or a definition. */
export const StrategyRefSchema = z.union([StrategyNameSchema, DefinitionJsonSchema], {
  error: "expected a strategy name or a definition object",
});
export type StrategyRef = z.infer<typeof StrategyRefSchema>;

/**
 * The name a run goes by: the built-in's name, or the definition's `name`, else
 * {@link CUSTOM_STRATEGY_NAME}; "" for anything else, as a refused request may hold. It is
 * user-chosen text: keep it out of metric labels.
 *
 * @example strategyName({ name: "my-cross", entry: {} }) // "my-cross"
 */
export function strategyName(ref: unknown): string {
  if (typeof ref === "string") return ref;
  if (!isPlainObject(ref)) return "";
  return typeof ref.name === "string" && ref.name.length > 0 ? ref.name : CUSTOM_STRATEGY_NAME;
}

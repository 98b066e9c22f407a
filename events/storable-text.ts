// Storable text: strings Postgres can keep, refused at the door when it cannot.
import type { z } from "zod";

/**
 * NUL, a high surrogate not followed by a low one, or a low one not preceded by a high
 * one. Without the `u` flag a regex reads UTF-16 code units, which is what this needs.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why Postgres cannot store `text`, or undefined when it can. Postgres refuses U+0000 in
 * `text` and `jsonb` ("unsupported Unicode escape sequence"), and a lone UTF-16 surrogate
 * has no UTF-8 encoding, so either would lose the run after a 202. `character` is the
 * 0-based UTF-16 index, as `text[12]` reads it in JavaScript.
 *
 * @example storableTextProblem("a\u0000") // "contains U+0000 (NUL) at character 1, which cannot be stored"
 */
export function storableTextProblem(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  const unit = text.charCodeAt(found.index);
  const where = `at character ${found.index}, which cannot be stored`;
  if (unit === 0) return `contains U+0000 (NUL) ${where}`;
  return `contains a lone surrogate (U+${unit.toString(16).toUpperCase()}) ${where}`;
}

/**
 * `text` with each character Postgres cannot store written as a `\uXXXX` escape, to show
 * it in a message (a parameter name in an error path, say) without carrying it along.
 *
 * @example escapeUnstorable("sl\u0000ow") // "sl\\u0000ow", printed as sl\u0000ow
 */
export function escapeUnstorable(text: string): string {
  return text.replace(
    new RegExp(UNSTORABLE.source, "g"),
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Adds the storable-text rule to a string schema, keeping its type, so every string of a
 * request that may reach Postgres is refused with 400 and its path instead.
 *
 * @example storable(z.string().max(200)) // refuses "a\u0000" with "contains U+0000 (NUL) ..."
 */
export function storable<T extends z.ZodType<string>>(schema: T): T {
  return schema.superRefine((text, ctx) => {
    const problem = storableTextProblem(text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }) as T;
}

// Checks docs/strategy-definitions.md against the language: every node kind, limit, example, built-in.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { STRATEGIES } from "../strategies/index.ts";
import { parseDefinition } from "./parse.ts";
import * as schema from "./schema.ts";

const doc = readFileSync(new URL("../../../docs/strategy-definitions.md", import.meta.url), "utf8");

const keysOf = (s: unknown) => Object.keys((s as z.ZodObject).shape);
/** The object branch of the series union: the keys that name a series' kind. */
const exprObject = (schema.ExprSchema as unknown as { _zod: { def: { options: unknown[] } } })._zod
  .def.options[2];
const level = (schema.DefinitionSchema.shape.stopLoss as unknown as z.ZodOptional)._zod.def
  .innerType;

/** Whether `name` is a heading (`### \`name\``) or the first cell of a table row. */
function documents(name: string): boolean {
  const lines = doc.split("\n");
  return lines.some(
    (line) => line === `### \`${name}\`` || new RegExp(`^\\| \`${name}\` *\\|`).test(line),
  );
}

/** The fenced JSON blocks, each with the heading it sits under. */
function jsonBlocks(): { heading: string; value: unknown }[] {
  const out: { heading: string; value: unknown }[] = [];
  let heading = "";
  for (const m of doc.matchAll(/^(#+ .*)$|^```json\n([\s\S]*?)^```$/gm)) {
    if (m[1] !== undefined) heading = m[1].replace(/^#+ /, "");
    else out.push({ heading, value: JSON.parse(m[2]) });
  }
  return out;
}

describe("docs/strategy-definitions.md", () => {
  it.each([
    ...keysOf(schema.CondSchema),
    ...keysOf(exprObject),
    ...keysOf(schema.DefinitionSchema),
    ...keysOf(schema.ParameterSchema),
    ...keysOf(level),
  ])("documents %s", (key) => {
    expect(documents(key)).toBe(true);
  });

  it("gives every limit with its value", () => {
    const limits = Object.entries(schema).filter(
      ([name, value]) =>
        name.startsWith("MAX_") && name !== "MAX_JSON_DEPTH" && typeof value === "number",
    );
    expect(limits.length).toBeGreaterThanOrEqual(7);
    for (const [name, value] of limits) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toMatch(new RegExp(`\\| ${value} *\\|$`));
    }
  });

  it("gives examples the engine accepts", () => {
    const definitions = jsonBlocks().filter(
      (b) => typeof b.value === "object" && b.value !== null && "entry" in b.value,
    );
    expect(definitions.length).toBeGreaterThanOrEqual(8);
    for (const { heading, value } of definitions) {
      expect(() => parseDefinition(value), heading).not.toThrow();
    }
  });

  it("gives each built-in's definition as the registry has it", () => {
    const blocks = jsonBlocks();
    for (const s of STRATEGIES) {
      const { description: _, ...definition } = s.definition ?? {};
      const block = blocks.find((b) => b.heading === s.name);
      expect(block?.value, s.name).toEqual(definition);
    }
  });
});

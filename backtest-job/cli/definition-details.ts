// A run's strategy definition as `name  value` lines: its rules as text, parameters and orders.
import { z } from "zod";
import { describeDefinition } from "../engine/definition/describe-definition.ts";
import { formatKeyValues } from "./format-table.ts";

/**
 * What the CLI needs of `definition` in GET /runs/:id: a JSON object. Its nodes are read by
 * the renderer, which shows one it does not know (from a newer API) as its JSON.
 */
const DefinitionJson = z.record(z.string(), z.unknown());

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * One line of a terminal: a definition's text is whatever the request held, so a control
 * character (an escape sequence could rewrite the screen) shows as U+FFFD, a line break as a space.
 */
export function printable(text: string): string {
  return text.replace(/[\t\n\r\u2028\u2029]/g, " ").replace(CONTROL, "\uFFFD");
}

/**
 * `definition`, `description`, `entry.long`..., `series.NAME`, `param.NAME`, `constraints`,
 * `size`, `stopLoss`, `takeProfit`; `params` are the run's values (the best combination's).
 * Empty when the run has no definition (one stored before runs kept them).
 * @example definitionDetails(run.definition, run.best?.params)
 *   // "definition   sma-crossover\nentry.long   fastMa crosses above slowMa\n..."
 */
export function definitionDetails(
  definition: unknown,
  params: Readonly<Record<string, number>> = {},
): string {
  const parsed = DefinitionJson.safeParse(definition);
  if (!parsed.success) return "";
  const d = describeDefinition(parsed.data, params);
  const pairs: [string, string][] = [["definition", d.name ?? "-"]];
  if (d.description !== null) pairs.push(["description", d.description]);
  for (const r of d.rules) pairs.push([`${r.rule}.${r.side}`, r.text]);
  for (const s of d.series) pairs.push([`series.${s.name}`, s.text]);
  for (const p of d.parameters)
    pairs.push([`param.${p.name}`, `${p.value === null ? "-" : String(p.value)}  (${p.bounds})`]);
  if (d.constraints.length) pairs.push(["constraints", d.constraints.join(", ")]);
  pairs.push(
    ["size", d.size],
    ["stopLoss", d.stopLoss ?? "none"],
    ["takeProfit", d.takeProfit ?? "none"],
  );
  return formatKeyValues(pairs.map(([name, value]) => [printable(name), printable(value)]));
}

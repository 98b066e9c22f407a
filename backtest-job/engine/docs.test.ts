// Checks docs/statistics.md and docs/strategies.md against the code (backtesting.py's TestDocs).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { STAT_NAMES } from "./stats.ts";
import { STRATEGIES } from "./strategies/index.ts";
import { SUMMARY_STATS } from "./summary.ts";

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), "utf8");

/**
 * The sections under headings of `level` (2 for "## "): heading text to body. A section ends
 * at the next heading of the same or a higher level.
 */
function sections(markdown: string, level: number): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of markdown.split("\n")) {
    const heading = /^(#+) (.*)$/.exec(line);
    if (heading && heading[1].length <= level) {
      current = heading[1].length === level ? heading[2].trim() : undefined;
      if (current !== undefined) out.set(current, "");
    } else if (current !== undefined) {
      out.set(current, `${out.get(current)}${line}\n`);
    }
  }
  return out;
}

/** The trimmed cells of each markdown table row, whatever the padding. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.trim().startsWith("|"))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, "")
        .split("|")
        .map((cell) => cell.trim()),
    );
}

/** The first cell of each table row that is a `code` name, unquoted. */
const tableNames = (markdown: string) =>
  tableRows(markdown)
    .map((cells) => /^`(.+)`$/.exec(cells[0])?.[1])
    .filter((name): name is string => name !== undefined);

/** Whether `name` is a heading (`### \`name\``) or the first cell of a table row. */
function documents(markdown: string, name: string): boolean {
  const headings = markdown.split("\n").map((line) => /^#+ `(.+)`$/.exec(line)?.[1]);
  return headings.includes(name) || tableNames(markdown).includes(name);
}

describe("docs/statistics.md", () => {
  const doc = read("statistics.md");

  it.each(STAT_NAMES)("documents %s", (name) => {
    expect(documents(doc, name)).toBe(true);
  });

  it("gives them one heading each, in report order, and none to a statistic that is gone", () => {
    const headings = [...doc.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]);
    expect(headings).toEqual([...STAT_NAMES]);
  });

  it("gives each statistic a unit and a definition", () => {
    const bodies = sections(doc, 3);
    for (const name of STAT_NAMES) {
      const body = bodies.get(`\`${name}\``)?.trim() ?? "";
      expect(body, name).toMatch(/^(Text|Days|Percent|Money|Ratio|Count)\b/);
      expect(body.length, name).toBeGreaterThan(30);
    }
  });

  it("lists every sweep summary statistic in its sweep section", () => {
    const sweep = sections(doc, 2).get("Sweep summary statistics") ?? "";
    expect(tableNames(sweep)).toEqual([...SUMMARY_STATS]);
  });
});

describe("docs/strategies.md", () => {
  const doc = read("strategies.md");
  const byName = sections(doc, 2);

  it("has a section for every strategy, and none for a strategy that does not exist", () => {
    const documented = [...byName.keys()].filter((h) => !h.startsWith("Modes"));
    expect(documented).toEqual(STRATEGIES.map((s) => s.name));
  });

  it("explains both trading modes", () => {
    const modes = byName.get("Modes: `long-short` and `long-only`") ?? "";
    expect(modes).toContain("`long-short`");
    expect(modes).toContain("`long-only`");
  });

  describe.each(STRATEGIES.map((s) => [s.name, s] as const))("%s", (name, strategy) => {
    const section = byName.get(name) ?? "";

    it("quotes the strategy's description", () => {
      // Whitespace-insensitive, so that rewrapping the paragraph keeps the test green.
      const flat = (text: string) => text.replace(/\s+/g, " ");
      expect(flat(section)).toContain(flat(strategy.description));
    });

    it.each(Object.keys(strategy.shape.shape))(
      "lists parameter %s with the schema's type and bounds",
      (param) => {
        const schema = z.toJSONSchema(strategy.shape.shape[param]) as {
          type: string;
          minimum?: number;
          maximum?: number;
          exclusiveMinimum?: number;
          exclusiveMaximum?: number;
        };
        const min = schema.minimum ?? `> ${schema.exclusiveMinimum}`;
        const max = schema.maximum ?? `< ${schema.exclusiveMaximum}`;
        const row = tableRows(section).find((cells) => cells[0] === `\`${param}\``);
        expect(row).toEqual([`\`${param}\``, schema.type, String(min), String(max)]);
      },
    );

    it("states each constraint between parameters", () => {
      for (const c of strategy.constraints) expect(section).toContain(c.message);
    });
  });
});

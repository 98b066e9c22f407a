// docs/metrics.md against the code: every metric documented with its labels, and the right port.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../config.ts";
import "./metrics.ts";
import { metricsRegistry } from "./registry.ts";
import "./runs-in-flight.ts";

const DOC = fileURLToPath(new URL("../../docs/metrics.md", import.meta.url));
const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";

/** The table rows that document a metric, by name: their cells, trimmed (the formatter pads them). */
const rows = new Map(
  doc
    .split("\n")
    .filter((line) => /^\| `zixly_[a-z_]+` +\|/.test(line))
    .map((line) => {
      const cells = line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim());
      return [cells[0].replaceAll("`", ""), cells] as const;
    }),
);

describe("docs/metrics.md", () => {
  const ours = metricsRegistry.getMetricsAsArray().filter((m) => m.name.startsWith("zixly_"));

  it("has a table row for every zixly_ metric, naming its type and each of its labels", () => {
    expect(ours.length).toBeGreaterThanOrEqual(13);
    for (const metric of ours) {
      const cells = rows.get(metric.name);
      expect(cells, metric.name).toBeDefined();
      expect(cells![1], metric.name).toBe(metric.type);
      const labels = (metric as unknown as { labelNames: string[] }).labelNames;
      const documented = [...cells![2].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      expect(documented, metric.name).toEqual(labels);
    }
  });

  it("documents no metric that does not exist", () => {
    const names = new Set(ours.map((m) => m.name));
    expect([...rows.keys()].filter((name) => !names.has(name))).toEqual([]);
  });

  it("gives the default metrics port and the exact annotation keys", () => {
    const port = ConfigSchema.shape.METRICS_PORT.parse(undefined);
    expect(doc).toContain(`**port ${port}** by default`);
    expect(doc).toContain(`prometheus.io/port: "${port}"`);
    expect(doc).toContain('prometheus.io/scrape: "true"');
    expect(doc).toContain('prometheus.io/path: "/metrics"');
    expect(doc).toContain(`replacement: "$1:${port}"`);
  });
});

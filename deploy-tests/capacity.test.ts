// The cluster sizes the docs state hold what the render requests plus Knative's own requests.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { demandOf, platformRequests, quantity, wholeUnits } from "./capacity.ts";
import { HAS_KUBECTL, kubectlTitle, renderOverlay, repoPath } from "./render.ts";

describe("quantity", () => {
  it("reads CPU and memory quantities as millicores and MiB", () => {
    expect(quantity("250m", "cpu")).toBe(250);
    expect(quantity("2", "cpu")).toBe(2000);
    expect(quantity("512Mi", "memory")).toBe(512);
    expect(quantity("1Gi", "memory")).toBe(1024);
    expect(quantity(undefined, "cpu")).toBe(0);
    expect(() => quantity("1Ti", "memory")).toThrow(/not understood/);
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("cluster capacity"), () => {
  const kind = HAS_KUBECTL ? demandOf(renderOverlay("kind")) : undefined;
  const readme = readFileSync(repoPath("knative/overlays/kind/README.md"), "utf8");
  const kindConfig = readFileSync(repoPath("knative/cluster/kind.yaml"), "utf8");

  it("regression: the 3 CPUs once documented cannot hold Knative and the pipeline running a sweep", () => {
    const total = platformRequests().cpuMilli + (kind?.oneSweep.cpuMilli ?? 0);
    expect(total).toBeGreaterThan(3000);
    // Even at rest nothing is left for a function to scale up or a Job pod to start.
    expect(3000 - platformRequests().cpuMilli - (kind?.atRest.cpuMilli ?? 0)).toBeLessThan(250);
  });

  it("documents for kind the CPUs and memory that hold the platform and one sweep", () => {
    if (!kind) return;
    const platform = platformRequests();
    const cpuMilli = platform.cpuMilli + kind.oneSweep.cpuMilli;
    const memoryMiB = Math.round(platform.memoryMiB + kind.oneSweep.memoryMiB);
    const { cpus, gib } = wholeUnits({ cpuMilli, memoryMiB });
    const text = readme.replace(/\s+/g, " ");
    // The figures as the README states them, and the size it asks Docker for.
    expect(text).toContain(`${cpuMilli.toLocaleString("en-US")}m of CPU`);
    expect(text).toContain(`${memoryMiB.toLocaleString("en-US")}Mi of memory`);
    expect(text).toContain(`**${cpus} CPUs**`);
    const documentedGiB = Number(/\*\*(\d+) GiB\*\*/.exec(text)?.[1]);
    expect(documentedGiB).toBeGreaterThanOrEqual(gib);
    // Memory requests are a floor: limits and Docker itself need more, so at least twice.
    expect(documentedGiB * 1024).toBeGreaterThanOrEqual(2 * memoryMiB);
    expect(kindConfig).toContain(`${cpus} CPUs and ${documentedGiB} GiB`);
  });

  it("states the eks ceiling that the node groups must be able to grow to", () => {
    const eks = demandOf(renderOverlay("eks"));
    const text = readFileSync(repoPath("knative/overlays/eks/README.md"), "utf8").replace(
      /\s+/g,
      " ",
    );
    expect(text).toContain(`${eks.atRest.cpuMilli.toLocaleString("en-US")}m at rest`);
    expect(text).toContain(`${eks.ceiling.cpuMilli.toLocaleString("en-US")}m`);
  });
});

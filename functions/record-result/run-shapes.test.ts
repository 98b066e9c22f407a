import { describe, expect, it, vi } from "vitest";
import type { RunRecord } from "../../platform/ports.ts";
import { RunShapes } from "./run-shapes.ts";

const store = (runs: Record<string, Partial<RunRecord>>) => ({
  getRun: vi.fn(async (id: string) => runs[id] as RunRecord | undefined),
});

describe("RunShapes", () => {
  it("reads a run once, then answers from memory", async () => {
    const s = store({ a: { combinations: 10, shardCount: 2, status: "running" } });
    const shapes = new RunShapes();
    expect(await shapes.get("a", s)).toEqual({ combinations: 10, shardCount: 2 });
    expect(await shapes.get("a", s)).toEqual({ combinations: 10, shardCount: 2 });
    expect(s.getRun).toHaveBeenCalledTimes(1);
  });

  it("does not remember an unknown run: it may be recorded a moment later", async () => {
    const runs: Record<string, Partial<RunRecord>> = {};
    const s = store(runs);
    const shapes = new RunShapes();
    expect(await shapes.get("a", s)).toBeUndefined();
    runs.a = { combinations: 4, shardCount: 1 };
    expect(await shapes.get("a", s)).toEqual({ combinations: 4, shardCount: 1 });
  });

  it("forgets the least recently used run past its size", async () => {
    const s = store({
      a: { combinations: 1, shardCount: 1 },
      b: { combinations: 2, shardCount: 1 },
    });
    const shapes = new RunShapes(1);
    await shapes.get("a", s);
    await shapes.get("b", s);
    await shapes.get("a", s);
    expect(s.getRun).toHaveBeenCalledTimes(3);
  });
});

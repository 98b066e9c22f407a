// The one-shot worker count: one thread for small sweeps, every core for large ones.
import { describe, expect, it } from "vitest";
import { defaultWorkers, PARALLEL_MIN_EVALUATIONS } from "./worker-count.ts";

describe("defaultWorkers", () => {
  it("keeps the README's 8,498-combination sweep on 2,500 bars on one thread", () => {
    expect(defaultWorkers(8_498, 2_500, 2)).toBe(1);
    expect(defaultWorkers(8_498, 2_500, 64)).toBe(1);
  });

  it("uses every core for a 200,000-combination sweep on 2,500 bars", () => {
    expect(defaultWorkers(200_000, 2_500, 2)).toBe(2);
    expect(defaultWorkers(200_000, 2_500, 8)).toBe(8);
  });

  it("switches at PARALLEL_MIN_EVALUATIONS combinations x bars", () => {
    expect(defaultWorkers(PARALLEL_MIN_EVALUATIONS / 1_000 - 1, 1_000, 4)).toBe(1);
    expect(defaultWorkers(PARALLEL_MIN_EVALUATIONS / 1_000, 1_000, 4)).toBe(4);
  });

  it("never asks for fewer than one thread", () => {
    expect(defaultWorkers(1e9, 1e9, 0)).toBe(1);
  });
});

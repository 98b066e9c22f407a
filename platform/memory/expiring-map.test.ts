// ExpiringMap: entries lapse by the injected clock, and lapsed entries do not pile up.
import { describe, expect, it } from "vitest";
import { ExpiringMap } from "./expiring-map.ts";
import { ManualClock } from "./manual-clock.ts";

describe("ExpiringMap", () => {
  it("serves an entry until the clock reaches its deadline", () => {
    const clock = new ManualClock();
    const map = new ExpiringMap<number>(clock.now);
    map.set("a", 1, clock.now() + 1000);
    clock.advance(999);
    expect(map.get("a")).toBe(1);
    clock.advance(1);
    expect(map.get("a")).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it("sweeps lapsed entries nobody reads again, so memory tracks the live ones", () => {
    const clock = new ManualClock();
    const map = new ExpiringMap<true>(clock.now);
    for (let i = 0; i < 100_000; i++) {
      map.set(`k${i}`, true, clock.now() + 1000);
      // Each key lives one second; a thousand new keys arrive every second.
      if (i % 1000 === 999) clock.advance(1000);
    }
    expect(map.size).toBeLessThanOrEqual(2048);
  });

  it("keeps live entries through a sweep", () => {
    const clock = new ManualClock();
    const map = new ExpiringMap<number>(clock.now);
    for (let i = 0; i < 5000; i++) map.set(`k${i}`, i, clock.now() + 60_000);
    expect(map.size).toBe(5000);
    expect(map.get("k0")).toBe(0);
    expect(map.get("k4999")).toBe(4999);
  });
});

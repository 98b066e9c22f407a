// A Job notices when its launcher is gone, and not before.
import { describe, expect, it } from "vitest";
import { watchParent } from "./exit-with-parent.ts";

describe("watchParent", () => {
  it("calls back once the parent changes, and only once", async () => {
    let ppid = 42;
    let orphaned = 0;
    watchParent(42, () => orphaned++, { intervalMs: 5, ppid: () => ppid });
    await new Promise((r) => setTimeout(r, 30));
    expect(orphaned).toBe(0);
    ppid = 1;
    await new Promise((r) => setTimeout(r, 30));
    expect(orphaned).toBe(1);
  });

  it("stops watching when told to", async () => {
    let orphaned = 0;
    const stop = watchParent(42, () => orphaned++, { intervalMs: 5, ppid: () => 1 });
    stop();
    await new Promise((r) => setTimeout(r, 30));
    expect(orphaned).toBe(0);
  });
});

// Proves the spool: whole files in arrival order, removed only once taken, a failure stops the drain.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventSpool, UnusableSpooledEvent } from "./event-spool.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zixly-spool-"));
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("EventSpool", () => {
  it("gives events back in the order they were written, and removes each once taken", async () => {
    const spool = new EventSpool(dir);
    for (let i = 0; i < 12; i++) await spool.write({ id: `e${i}` });
    expect(spool.size()).toBe(12);
    const seen: unknown[] = [];
    expect(await spool.drain(async (e) => void seen.push(e.id))).toBe(12);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `e${i}`));
    expect(spool.size()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("stops at the first refusal and keeps that event and the later ones", async () => {
    const spool = new EventSpool(dir);
    for (const id of ["a", "b", "c"]) await spool.write({ id });
    let calls = 0;
    const moved = await spool
      .drain(async (e) => {
        calls++;
        if (e.id === "b") throw new Error("outbox down");
      })
      .catch((error: Error) => error.message);
    expect(moved).toBe("outbox down");
    expect(calls).toBe(2);
    const left: unknown[] = [];
    await spool.drain(async (e) => void left.push(e.id));
    expect(left).toEqual(["b", "c"]);
  });

  it("survives a new instance on the same folder, and sets aside a file that is not JSON", async () => {
    await new EventSpool(dir).write({ id: "kept" });
    writeFileSync(join(dir, "000000000000000-bad.json"), "{not json");
    const spool = new EventSpool(dir);
    const seen: unknown[] = [];
    await spool.drain(async (e) => void seen.push(e.id));
    expect(seen).toEqual(["kept"]);
    expect(readdirSync(dir)).toEqual(["000000000000000-bad.json.bad"]);
  });

  it("sets aside an event the taker can never use, and goes on with the later ones", async () => {
    const spool = new EventSpool(dir);
    for (const id of ["a", "bad", "c"]) await spool.write({ id });
    const seen: unknown[] = [];
    const moved = await spool.drain(async (e) => {
      if (e.id === "bad") throw new UnusableSpooledEvent("not an event");
      seen.push(e.id);
    });
    expect(moved).toBe(2);
    expect(seen).toEqual(["a", "c"]);
    expect(spool.size()).toBe(0);
    expect(readdirSync(dir).filter((n) => n.endsWith(".bad"))).toHaveLength(1);
  });
});

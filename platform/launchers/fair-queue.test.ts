import { describe, expect, it } from "vitest";
import { FairQueue } from "./fair-queue.ts";

/** Fills a queue with `count` items named key + index per key, in the order given. */
function filled(counts: Record<string, number>): FairQueue<string> {
  const q = new FairQueue<string>();
  for (const [key, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) q.push(key, `${key}${i}`);
  }
  return q;
}

function takeAll(q: FairQueue<string>): string[] {
  const taken: string[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) taken.push(item);
  return taken;
}

describe("FairQueue", () => {
  it("takes the keys in strict rotation, each key's items in order", () => {
    const q = filled({ a: 3, b: 2, c: 3 });
    expect(q.size).toBe(8);
    expect(takeAll(q)).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "c2"]);
    expect(q.size).toBe(0);
  });

  it("serves a key that arrives behind a long one at the next shift", () => {
    const q = filled({ a: 20 });
    expect(q.shift()).toBe("a0");
    q.push("b", "b0");
    q.push("b", "b1");
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([
      "b0",
      "a1",
      "b1",
      "a2",
      "a3",
    ]);
  });

  it("serves new keys in arrival order before keys served already", () => {
    const q = filled({ a: 3 });
    q.shift();
    q.push("b", "b0");
    q.push("c", "c0");
    expect(takeAll(q)).toEqual(["b0", "c0", "a1", "a2"]);
  });

  it("puts an unshifted item first within its key without moving the key's turn", () => {
    const q = filled({ a: 2, b: 2 });
    expect(q.shift()).toBe("a0");
    q.unshift("a", "a0 again");
    expect(takeAll(q)).toEqual(["b0", "a0 again", "b1", "a1"]);
  });

  it("removes one key's items and leaves the rotation of the others", () => {
    const q = filled({ a: 2, b: 2, c: 2 });
    expect(q.shift()).toBe("a0");
    expect(q.remove("b")).toEqual(["b0", "b1"]);
    expect(q.remove("b")).toEqual([]);
    expect(q.size).toBe(3);
    expect(takeAll(q)).toEqual(["c0", "a1", "c1"]);
  });

  it("clears to the items left per key", () => {
    const q = filled({ a: 2, b: 1 });
    q.shift();
    expect(q.clear()).toEqual(
      new Map([
        ["a", ["a1"]],
        ["b", ["b0"]],
      ]),
    );
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

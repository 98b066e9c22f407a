// openingRunStore(): Unavailable and ping false while the database opens, the real store after.
import { describe, expect, it } from "vitest";
import { Unavailable } from "../http/http-errors.ts";
import { MemoryRunStore } from "../memory/memory-run-store.ts";
import type { RunStore } from "../ports.ts";
import type { Opening } from "./keep-opening.ts";
import { openingRunStore } from "./opening-run-store.ts";

/** An Opening the test opens by hand. */
function manualOpening() {
  const state: { value: RunStore | undefined; stops: number } = { value: undefined, stops: 0 };
  const opening: Opening<RunStore> = {
    get value() {
      return state.value;
    },
    opened: new Promise(() => {}),
    stop: async () => {
      state.stops++;
    },
  };
  return { opening, state };
}

describe("openingRunStore", () => {
  it("rejects calls with Unavailable (503) and pings false until the store is open", async () => {
    const { opening } = manualOpening();
    const store = openingRunStore(opening);
    await expect(store.getRun("run_x")).rejects.toBeInstanceOf(Unavailable);
    await expect(store.listRuns({ limit: 1, offset: 0 })).rejects.toMatchObject({ status: 503 });
    expect(await store.ping()).toBe(false);
  });

  it("is not a thenable while opening, so awaiting it does not hang", async () => {
    const store = openingRunStore(manualOpening().opening);
    expect(await Promise.resolve(store)).toBe(store);
  });

  it("forwards every call to the store once it is open", async () => {
    const { opening, state } = manualOpening();
    const store = openingRunStore(opening);
    const real = new MemoryRunStore();
    state.value = real;
    expect(await store.ping()).toBe(true);
    expect(await store.markProcessed("src", "id-1")).toBe(true);
    expect(await real.wasProcessed("src", "id-1")).toBe(true);
    expect(await store.wasProcessed("src", "id-1")).toBe(true);
  });

  it("close stops the opening, which closes the store", async () => {
    const { opening, state } = manualOpening();
    await openingRunStore(opening).close();
    expect(state.stops).toBe(1);
  });
});

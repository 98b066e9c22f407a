// instrumentEventHandler: consumed outcome by what the handler did, and its duration.
import { describe, expect, it } from "vitest";
import { shardProgress } from "../../events/index.ts";
import { instrumentEventHandler } from "./instrument-event-handler.ts";
import { sample } from "./test-support/sample.ts";

const EVENT = { type: shardProgress.type, id: "e1" };
const consumed = (outcome: string) => ({
  type: shardProgress.type,
  function: "fn-test",
  outcome,
});

describe("instrumentEventHandler", () => {
  it("counts ok, invalid for invalid or rejected results, and error for a throw", async () => {
    const results: unknown[] = ["stored", "invalid", "rejected", undefined];
    const handle = instrumentEventHandler("fn-test", async () => results.shift());
    for (let i = 0; i < 4; i++) expect(await handle(EVENT)).toBeUndefined();
    expect(await sample("zixly_events_consumed_total", consumed("ok"))).toBe(2);
    expect(await sample("zixly_events_consumed_total", consumed("invalid"))).toBe(2);

    const boom = new Error("database down");
    const failing = instrumentEventHandler("fn-test", async () => {
      throw boom;
    });
    await expect(failing(EVENT)).rejects.toBe(boom);
    expect(await sample("zixly_events_consumed_total", consumed("error"))).toBe(1);
  });

  it("observes each call's duration under the function's name", async () => {
    const count = { function: "fn-timed" };
    const handle = instrumentEventHandler("fn-timed", async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    await handle(EVENT);
    expect(await sample("zixly_handler_duration_seconds_count", count)).toBe(1);
    const seconds = await sample("zixly_handler_duration_seconds_sum", count);
    expect(seconds).toBeGreaterThanOrEqual(0.015);
    expect(seconds).toBeLessThan(5);
  });
});

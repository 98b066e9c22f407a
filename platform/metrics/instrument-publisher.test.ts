// instrumentPublisher: counts by type and outcome, and otherwise changes nothing.
import { CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import { backtestCompleted, PublishError, type Publisher } from "../../events/index.ts";
import { instrumentPublisher } from "./instrument-publisher.ts";
import { sample } from "./test-support/sample.ts";

// The wrapper reads only the type: the data need not be valid for it.
const event = () => new CloudEvent({ type: backtestCompleted.type, source: "/test", id: "e1" });

describe("instrumentPublisher", () => {
  it("counts a publish the broker took as ok and passes the event through", async () => {
    const seen: unknown[] = [];
    const inner: Publisher = { publish: async (e) => void seen.push(e) };
    const labels = { type: backtestCompleted.type, outcome: "ok" };
    const before = await sample("zixly_events_published_total", labels);
    const e = event();
    await instrumentPublisher(inner).publish(e);
    expect(seen).toEqual([e]);
    expect(await sample("zixly_events_published_total", labels)).toBe(before + 1);
  });

  it("counts a refused publish as error and rethrows the same error", async () => {
    const refusal = new PublishError("broker answered 503", 503);
    const inner: Publisher = {
      publish: async () => {
        throw refusal;
      },
    };
    const labels = { type: backtestCompleted.type, outcome: "error" };
    const before = await sample("zixly_events_published_total", labels);
    await expect(instrumentPublisher(inner).publish(event())).rejects.toBe(refusal);
    expect(await sample("zixly_events_published_total", labels)).toBe(before + 1);
    expect(
      await sample("zixly_events_published_total", { type: backtestCompleted.type, outcome: "ok" }),
    ).toBe(1);
  });
});

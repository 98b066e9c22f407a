import { describe, expect, it } from "vitest";
import { createEvent, fromHttp, NotOurEvent, toBinaryHttp } from "./cloud-event.ts";
import { shardProgress } from "./shard-progress.ts";

const event = createEvent(
  shardProgress.type,
  { runId: "run_aaaaaaaaaaaaaaaaaaaaaaaaaa", shard: { index: 0, count: 1 }, done: 1, total: 2 },
  { id: "e1", source: "/test" },
);

/** The event in structured mode, as its JSON attribute object. */
const structured = { specversion: "1.0", id: "e1", source: "/test", ...event.toJSON() };

describe("fromHttp", () => {
  it("reads a binary-mode event back with its data", () => {
    const { headers, body } = toBinaryHttp(event);
    expect(fromHttp(headers, body).data).toEqual(event.data);
  });

  it("refuses an empty batch as not ours (it once answered 500)", () => {
    const headers = { "content-type": "application/cloudevents-batch+json" };
    expect(() => fromHttp(headers, "[]")).toThrow(NotOurEvent);
  });

  it("refuses a batch rather than keep its first event and drop the rest", () => {
    const headers = { "content-type": "application/cloudevents-batch+json" };
    const body = JSON.stringify([structured, { ...structured, id: "e2" }]);
    expect(() => fromHttp(headers, body)).toThrow(/batched CloudEvents are not accepted/);
  });
});

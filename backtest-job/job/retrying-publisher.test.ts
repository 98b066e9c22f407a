import { CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import { PublishError, type Publisher } from "../../events/index.ts";
import { RetryingPublisher } from "./retrying-publisher.ts";

const event = new CloudEvent({ id: "1", source: "/test", type: "test", data: {} });

/** A publisher that fails with the given errors in turn, then succeeds. */
function flaky(errors: unknown[]): Publisher & { calls: number } {
  const p = {
    calls: 0,
    async publish() {
      const error = errors[p.calls++];
      if (error) throw error;
    },
  };
  return p;
}

describe("RetryingPublisher", () => {
  it("retries an unreachable broker and a 5xx with doubling delays, then succeeds", async () => {
    const inner = flaky([new PublishError("unreachable"), new PublishError("answered 503", 503)]);
    const delays: number[] = [];
    const publisher = new RetryingPublisher(inner, {
      baseDelayMs: 100,
      sleep: async (ms) => void delays.push(ms),
    });
    await publisher.publish(event);
    expect(inner.calls).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it("gives up after `attempts` tries with the last error", async () => {
    const last = new PublishError("answered 502", 502);
    const inner = flaky([new PublishError("unreachable"), new PublishError("unreachable"), last]);
    const retries: number[] = [];
    const publisher = new RetryingPublisher(inner, {
      attempts: 3,
      sleep: async () => undefined,
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    await expect(publisher.publish(event)).rejects.toBe(last);
    expect(inner.calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it("does not retry what will fail again: a 400, or an error that is not a publish error", async () => {
    for (const error of [new PublishError("answered 400", 400), new TypeError("bug")]) {
      const inner = flaky([error]);
      await expect(
        new RetryingPublisher(inner, { sleep: async () => undefined }).publish(event),
      ).rejects.toBe(error);
      expect(inner.calls).toBe(1);
    }
  });
});

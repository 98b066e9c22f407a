// The embedded broker counts each settled delivery try by subscriber and outcome, and its dead letters.
import { describe, expect, it } from "vitest";
import { sample } from "../metrics/test-support/sample.ts";
import { progressEvent } from "./test-support/fixtures.ts";
import { PROGRESS, setup } from "./test-support/setup-broker.ts";

const deliveries = (subscriber: string, outcome: string) =>
  sample("zixly_broker_deliveries_total", { subscriber, outcome });

describe("EmbeddedBroker metrics", () => {
  it("counts a delivery acknowledged at once as delivered", async () => {
    const { broker } = setup([[PROGRESS, "fine"]], { fine: async () => ({ status: 200 }) });
    await broker.publish(progressEvent());
    expect(await broker.drain(5_000)).toBe(true);
    expect(await deliveries("fine", "delivered")).toBe(1);
    expect(await deliveries("fine", "retried")).toBe(0);
  });

  it("counts each retry, then the dead letter, under the subscriber that refused", async () => {
    const { broker, letters } = setup([[PROGRESS, "broken"]], {
      broken: async () => ({ status: 500 }),
    });
    await broker.publish(progressEvent());
    expect(await broker.drain(5_000)).toBe(true);
    expect(letters).toHaveLength(1);
    expect(await deliveries("broken", "retried")).toBe(3);
    expect(await deliveries("broken", "dead_lettered")).toBe(1);
    expect(await sample("zixly_dead_letters_total", { subscriber: "broken" })).toBe(1);
  });

  it("counts a finally failed delivery without a sink as dropped, and no dead letter", async () => {
    const { broker } = setup(
      [[PROGRESS, "sinkless"]],
      { sinkless: async () => ({ status: 400 }) },
      { delivery: { retry: 0, backoffPolicy: "linear", backoffDelayMs: 1 } },
    );
    await broker.publish(progressEvent());
    expect(await broker.drain(5_000)).toBe(true);
    expect(await deliveries("sinkless", "dropped")).toBe(1);
    expect(await sample("zixly_dead_letters_total", { subscriber: "sinkless" })).toBe(0);
  });
});

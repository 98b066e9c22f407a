// dead-letters counts each letter it records once, by the Service Knative could not deliver to.
import { describe, expect, it } from "vitest";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { sample } from "../../platform/metrics/test-support/sample.ts";
import { failedShard, runIdFor } from "../test-support/fixtures.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleDeadLetter } from "./handler.ts";

describe("dead-letters metrics", () => {
  it("counts a recorded letter under the subscriber's Service name, and a redelivery not again", async () => {
    const deps = { store: new MemoryRunStore(), log: silentLogger() };
    const letter = () =>
      failedShard(runIdFor("dead-letter-metrics"), { index: 0, count: 1 }).cloneWith({
        knativeerrordest: "http://record-result.zixly.svc.cluster.local",
        knativeerrorcode: "500",
      });
    const labels = { subscriber: "record-result" };
    const before = await sample("zixly_dead_letters_total", labels);
    expect(await handleDeadLetter(letter(), deps)).toBe("recorded");
    expect(await handleDeadLetter(letter(), deps)).toBe("duplicate");
    expect(await sample("zixly_dead_letters_total", labels)).toBe(before + 1);
  });
});

// dead-letters with an in-memory store: each dead-lettered event recorded once, with why it failed.
import { CloudEvent } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import { withErrorExtensions } from "../../platform/broker/delivery-rules.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { failedShard, runIdFor } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { type DeadLettersDeps, handleDeadLetter, reasonOf } from "./handler.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let deps: DeadLettersDeps;

const RUN = runIdFor("dead-letters");
const RECORD_RESULT_URL = "http://record-result.zixly.svc.cluster.local";
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** A shard.failed that record-result kept refusing, as Knative hands it to the sink. */
const lettered = (extensions: Record<string, string> = {}) =>
  failedShard(RUN, { index: 1, count: 2 }).cloneWith({
    knativeerrordest: RECORD_RESULT_URL,
    knativeerrorcode: "500",
    knativeerrordata: base64("database down\n(test)"),
    ...extensions,
  });

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  deps = { store: flaky.store, log: silentLogger() };
});

describe("handleDeadLetter", () => {
  it("records the event with its subscriber, status and decoded answer", async () => {
    const event = lettered();
    expect(await handleDeadLetter(event, deps)).toBe("recorded");
    const [letter, ...rest] = await memory.deadLetters(10);
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({
      eventId: `${RUN}/shard-1/failed`,
      eventSource: "/zixly/backtest-job",
      eventType: "com.zixly.backtest.shard.failed.v1",
      subscriber: RECORD_RESULT_URL,
      reason: "500: database down (test)",
    });
    expect(letter.event).toMatchObject({
      id: event.id,
      type: event.type,
      knativeerrorcode: "500",
      data: { runId: RUN, shard: { index: 1, count: 2 }, code: "crashed" },
    });
  });

  it("records a redelivered letter once", async () => {
    expect(await handleDeadLetter(lettered(), deps)).toBe("recorded");
    expect(await handleDeadLetter(lettered(), deps)).toBe("duplicate");
    expect(await handleDeadLetter(lettered({ knativeerrorcode: "503" }), deps)).toBe("duplicate");
    expect(await memory.deadLetters(10)).toHaveLength(1);
  });

  it("keeps the same event given up by another subscriber apart", async () => {
    await handleDeadLetter(lettered(), deps);
    const other = lettered({ knativeerrordest: "http://notify.zixly.svc.cluster.local" });
    expect(await handleDeadLetter(other, deps)).toBe("recorded");
    expect((await memory.deadLetters(10)).map((l) => l.subscriber)).toEqual([
      "http://notify.zixly.svc.cluster.local",
      RECORD_RESULT_URL,
    ]);
  });

  it("does not mistake notify's record of a sent callback for a letter", async () => {
    const event = lettered();
    await memory.markProcessed(event.source, event.id);
    expect(await handleDeadLetter(event, deps)).toBe("recorded");
  });

  it("records what the embedded broker sends the same way", async () => {
    const event = withErrorExtensions(failedShard(RUN, { index: 0, count: 2 }), {
      destination: "record-result",
      status: 503,
      data: "try later",
    });
    await handleDeadLetter(event, deps);
    expect((await memory.deadLetters(1))[0]).toMatchObject({
      subscriber: "record-result",
      reason: "503: try later",
    });
  });

  it("records a foreign event without the extensions, and one without data", async () => {
    const ping = new CloudEvent<unknown>({
      specversion: "1.0",
      id: "tick-1",
      source: "/apis/v1/namespaces/zixly/pingsources/reaper",
      type: "dev.knative.sources.ping",
    });
    expect(await handleDeadLetter(ping, deps)).toBe("recorded");
    expect((await memory.deadLetters(1))[0]).toMatchObject({
      eventType: "dev.knative.sources.ping",
      subscriber: "unknown",
      reason: "no status",
      event: { id: "tick-1" },
    });
  });

  it("throws when the store is down, so the broker tries the sink again, and records once later", async () => {
    flaky.fail("recordDeadLetter");
    await expect(handleDeadLetter(lettered(), deps)).rejects.toThrow(DatabaseDown);
    flaky.heal();
    expect(await handleDeadLetter(lettered(), deps)).toBe("recorded");
    expect(await handleDeadLetter(lettered(), deps)).toBe("duplicate");
    expect(await memory.deadLetters(10)).toHaveLength(1);
  });
});

describe("reasonOf", () => {
  it("is the status alone without an answer", () => {
    expect(reasonOf("502", undefined)).toBe("502");
    expect(reasonOf(undefined, undefined)).toBe("no status");
    expect(reasonOf("500", base64("  \n "))).toBe("500");
  });

  it("cuts a long answer to one line of 1,000 characters", () => {
    const reason = reasonOf("500", base64(`a\nb ${"x".repeat(3000)}`));
    expect(reason.startsWith("500: a b xx")).toBe(true);
    expect(reason.length).toBe("500: ".length + 1000);
    expect(reason.endsWith("...")).toBe(true);
  });
});

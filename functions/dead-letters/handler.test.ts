// dead-letters with in-memory adapters: each dead-lettered event kept once, with why it failed, through a database outage.
import { CloudEvent } from "cloudevents";
import { beforeEach, describe, expect, it } from "vitest";
import { withErrorExtensions } from "../../platform/broker/delivery-rules.ts";
import type { DeadLetterJournal } from "../../platform/dead-letters/dead-letter-journal.ts";
import { MemoryDeadLetterJournal } from "../../platform/dead-letters/memory-dead-letter-journal.ts";
import { DeadLetterNotKept } from "../../platform/dead-letters/record-dead-letter-safely.ts";
import { type Flaky, flaky as flakyPort } from "../../platform/dead-letters/test-support/flaky.ts";
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

  it("keeps no credentials: not in the event's callbackUrl, nor in the answer, decoded or base64", async () => {
    const callbackUrl = "http://user:pa55word@127.0.0.1:9/cb?token=t0ken-value";
    const event = lettered({
      knativeerrordata: base64(`callback to ${callbackUrl} answered 500`),
    }).cloneWith({
      data: { ...(failedShard(RUN, { index: 1, count: 2 }).data as object), callbackUrl },
    });
    expect(await handleDeadLetter(event, deps)).toBe("recorded");
    const [letter] = await memory.deadLetters(10);
    const kept = JSON.stringify(letter);
    expect(kept).not.toMatch(/pa55word|t0ken-value/);
    expect(letter?.reason).toBe(
      "500: callback to http://***@127.0.0.1:9/cb?token=*** answered 500",
    );
    const stored = letter?.event as { knativeerrordata: string; data: { callbackUrl: string } };
    expect(Buffer.from(stored.knativeerrordata, "base64").toString("utf8")).not.toContain(
      "pa55word",
    );
    expect(stored.data.callbackUrl).toBe("http://***@127.0.0.1:9/cb?token=***");
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

  it("throws without a journal when the store is down, so the broker tries the sink again, and records once later", async () => {
    flaky.fail("recordDeadLetter");
    const error = await handleDeadLetter(lettered(), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterNotKept);
    expect((error as Error).cause).toBeInstanceOf(DatabaseDown);
    flaky.heal();
    expect(await handleDeadLetter(lettered(), deps)).toBe("recorded");
    expect(await handleDeadLetter(lettered(), deps)).toBe("duplicate");
    expect(await memory.deadLetters(10)).toHaveLength(1);
  });
});

describe("handleDeadLetter with a journal", () => {
  let journal: Flaky<DeadLetterJournal>;
  let withJournal: DeadLettersDeps;
  beforeEach(() => {
    journal = flakyPort<DeadLetterJournal>(new MemoryDeadLetterJournal());
    withJournal = { ...deps, journal: journal.value };
  });

  it("journals the letter while the database is down, and answers (no throw: a 2xx)", async () => {
    flaky.fail();
    expect(await handleDeadLetter(lettered(), withJournal)).toBe("journalled");
    expect(await handleDeadLetter(lettered(), withJournal)).toBe("duplicate");
    expect(await journal.value.count()).toBe(1);
    flaky.heal();
    expect(await memory.deadLetters(10)).toEqual([]);
  });

  it("throws (a 5xx) only when the database and the journal are both down", async () => {
    flaky.fail();
    journal.fail();
    await expect(handleDeadLetter(lettered(), withJournal)).rejects.toThrow(DeadLetterNotKept);
    journal.heal();
    expect(await journal.value.count()).toBe(0);
  });

  it("moves journalled letters into the store with the next letter once the database is back, once", async () => {
    flaky.fail();
    expect(await handleDeadLetter(lettered(), withJournal)).toBe("journalled");
    flaky.heal();
    const other = lettered({ knativeerrordest: "http://notify.zixly.svc.cluster.local" });
    expect(await handleDeadLetter(other, withJournal)).toBe("recorded");
    expect(await journal.value.count()).toBe(0);
    expect((await memory.deadLetters(10)).map((l) => [l.subscriber, l.reason]).sort()).toEqual([
      ["http://notify.zixly.svc.cluster.local", "500: database down (test)"],
      [RECORD_RESULT_URL, "500: database down (test)"],
    ]);
    // A late redelivery of the journalled letter, and another replay, keep it once.
    expect(await handleDeadLetter(lettered(), withJournal)).toBe("duplicate");
    expect(await memory.deadLetters(10)).toHaveLength(2);
  });

  it("still answers when the journal fails only while being replayed", async () => {
    flaky.fail();
    await handleDeadLetter(lettered(), withJournal);
    flaky.heal();
    journal.fail("take");
    const other = lettered({ knativeerrordest: "http://notify.zixly.svc.cluster.local" });
    expect(await handleDeadLetter(other, withJournal)).toBe("recorded");
    expect(await journal.value.count()).toBe(1);
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

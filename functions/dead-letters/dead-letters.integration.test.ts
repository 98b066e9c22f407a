// dead-letters registered with functions-framework and driven over HTTP with binary-mode dead-lettered events.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { type CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeadLetterJournal } from "../../platform/dead-letters/dead-letter-journal.ts";
import { MemoryDeadLetterJournal } from "../../platform/dead-letters/memory-dead-letter-journal.ts";
import { type Flaky, flaky as flakyPort } from "../../platform/dead-letters/test-support/flaky.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { requestedEvent, runIdFor } from "../test-support/fixtures.ts";
import { type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { DeadLettersDeps } from "./handler.ts";
import { DEAD_LETTERS, registerDeadLetters } from "./register.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
/** Unset: no journal, as without REDIS_URL. */
let journal: Flaky<DeadLetterJournal> | undefined;
let server: Listening;

beforeAll(async () => {
  registerDeadLetters(
    async (): Promise<DeadLettersDeps> => ({
      store: flaky.store,
      journal: journal?.value,
      log: silentLogger(),
    }),
  );
  server = await listen(getTestServer(DEAD_LETTERS));
});
afterAll(() => server?.close());

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
  journal = undefined;
});

/** Runs `body` with console.error muted: functions-framework reports every 500 there. */
async function quietly<T>(body: () => Promise<T>): Promise<T> {
  const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    return await body();
  } finally {
    quiet.mockRestore();
  }
}

async function deliver(event: CloudEvent<unknown>): Promise<number> {
  const message = HTTP.binary(event);
  const body = typeof message.body === "string" ? message.body : JSON.stringify(message.body);
  const response = await fetch(server.url, {
    method: "POST",
    headers: message.headers as Record<string, string>,
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe("dead-letters over functions-framework", () => {
  it("records a dead-lettered event from its ce-knativeerror* headers, once", async () => {
    const runId = runIdFor("ff-dead-letter");
    const event = requestedEvent(runId).cloneWith({
      knativeerrordest: "http://dispatch-backtest.zixly.svc.cluster.local",
      knativeerrorcode: "503",
      knativeerrordata: Buffer.from("cluster API unavailable").toString("base64"),
    });
    expect(HTTP.binary(event).headers).toMatchObject({ "ce-knativeerrorcode": "503" });
    expect(await deliver(event)).toBe(204);
    expect(await deliver(event)).toBe(204);
    const letters = await memory.deadLetters(10);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      eventId: runId,
      eventSource: "/zixly/ingest-webhook",
      eventType: "com.zixly.backtest.requested.v1",
      subscriber: "http://dispatch-backtest.zixly.svc.cluster.local",
      reason: "503: cluster API unavailable",
      event: { id: runId, data: { runId } },
    });
  });

  it("answers 500 while the store is down and there is no journal, so the broker tries again", async () => {
    const event = requestedEvent(runIdFor("ff-dead-letter-down")).cloneWith({
      knativeerrordest: "http://dispatch-backtest.zixly.svc.cluster.local",
      knativeerrorcode: "500",
    });
    flaky.fail();
    expect(await quietly(() => deliver(event))).toBe(500);
    flaky.heal();
    expect(await deliver(event)).toBe(204);
    expect((await memory.deadLetters(10)).map((l) => l.reason)).toEqual(["500"]);
  });

  it("answers 204 while the store is down but the journal takes the letter, 500 when neither does", async () => {
    journal = flakyPort<DeadLetterJournal>(new MemoryDeadLetterJournal());
    const event = (id: string) =>
      requestedEvent(runIdFor(id)).cloneWith({
        knativeerrordest: "http://dispatch-backtest.zixly.svc.cluster.local",
        knativeerrorcode: "503",
      });
    flaky.fail();
    expect(await deliver(event("ff-journalled"))).toBe(204);
    journal.fail();
    expect(await quietly(() => deliver(event("ff-lost")))).toBe(500);
    journal.heal();
    flaky.heal();
    // The database is back: the next letter brings the journalled one in with it.
    expect(await deliver(event("ff-after"))).toBe(204);
    expect(await journal.value.count()).toBe(0);
    expect((await memory.deadLetters(10)).map((l) => l.eventId).sort()).toEqual(
      [runIdFor("ff-after"), runIdFor("ff-journalled")].sort(),
    );
  });
});

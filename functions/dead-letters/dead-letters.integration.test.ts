// dead-letters registered with functions-framework and driven over HTTP with binary-mode dead-lettered events.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { type CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { requestedEvent, runIdFor } from "../test-support/fixtures.ts";
import { type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen } from "../test-support/listen.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { DeadLettersDeps } from "./handler.ts";
import { DEAD_LETTERS, registerDeadLetters } from "./register.ts";

let memory: MemoryRunStore;
let flaky: FlakyRunStore;
let server: Listening;

beforeAll(async () => {
  registerDeadLetters(
    async (): Promise<DeadLettersDeps> => ({ store: flaky.store, log: silentLogger() }),
  );
  server = await listen(getTestServer(DEAD_LETTERS));
});
afterAll(() => server.close());

beforeEach(() => {
  memory = new MemoryRunStore();
  flaky = flakyStore(memory);
});

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

  it("answers 500 while the store is down, so the broker tries again", async () => {
    const event = requestedEvent(runIdFor("ff-dead-letter-down")).cloneWith({
      knativeerrordest: "http://dispatch-backtest.zixly.svc.cluster.local",
      knativeerrorcode: "500",
    });
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      flaky.fail();
      expect(await deliver(event)).toBe(500);
    } finally {
      quiet.mockRestore();
    }
    flaky.heal();
    expect(await deliver(event)).toBe(204);
    expect((await memory.deadLetters(10)).map((l) => l.reason)).toEqual(["500"]);
  });
});

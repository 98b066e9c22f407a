// notify registered with functions-framework: a binary-mode final event in, a signed callback out.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backtestCompleted, createEvent, toBinaryHttp } from "../../events/index.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { runIdFor } from "../test-support/fixtures.ts";
import { type Listening, listen, recordingReceiver } from "../test-support/listen.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import type { NotifyDeps } from "./handler.ts";
import { NOTIFY, registerNotify } from "./register.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
let receiver: Awaited<ReturnType<typeof recordingReceiver>>;
let store: MemoryRunStore;
let server: Listening;

beforeAll(async () => {
  receiver = await recordingReceiver();
  registerNotify(
    async (): Promise<NotifyDeps> => ({
      store,
      signer: new Webhook(SECRET),
      log: silentLogger(),
      timeoutMs: 2000,
      allowInsecure: true,
      publicUrl: "https://api.example.com",
    }),
  );
  server = await listen(getTestServer(NOTIFY));
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

beforeEach(() => {
  store = new MemoryRunStore();
  receiver.requests.length = 0;
  receiver.status = 200;
});

function completedEvent(runId: string) {
  return createEvent(
    backtestCompleted.type,
    {
      runId,
      status: "succeeded",
      strategy: "sma-crossover",
      callbackUrl: `${receiver.url}/hook`,
      combinations: 4,
      best: null,
      finishedAt: "2030-01-01T00:00:00.000Z",
    },
    { id: `${runId}/completed`, source: "/zixly/record-result" },
  );
}

async function deliver(event: Parameters<typeof toBinaryHttp>[0]): Promise<number> {
  const { headers, body } = toBinaryHttp(event);
  const response = await fetch(server.url, { method: "POST", headers, body });
  await response.arrayBuffer();
  return response.status;
}

describe("notify over functions-framework", () => {
  it("acknowledges a completed event with 204 after POSTing a verifiable callback, once", async () => {
    const runId = runIdFor("ff-notify");
    expect(await deliver(completedEvent(runId))).toBe(204);
    expect(receiver.requests).toHaveLength(1);
    const { headers, body } = receiver.requests[0];
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
    expect(JSON.parse(body)).toMatchObject({ runId, status: "succeeded" });
    expect(await deliver(completedEvent(runId))).toBe(204);
    expect(receiver.requests).toHaveLength(1);
  });

  it("answers 500 while the receiver fails, so Knative retries with backoff", async () => {
    const runId = runIdFor("ff-notify-500");
    receiver.status = 503;
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await deliver(completedEvent(runId))).toBe(500);
    } finally {
      quiet.mockRestore();
    }
    receiver.status = 200;
    expect(await deliver(completedEvent(runId))).toBe(204);
    expect(receiver.requests).toHaveLength(2);
  });
});

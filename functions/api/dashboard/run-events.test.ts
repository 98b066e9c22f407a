// GET /runs/events over real HTTP: a snapshot then changes, auth by header or query, heartbeats, the end.
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryProgressStore } from "../../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../../platform/memory/memory-run-store.ts";
import type { RunStore } from "../../../platform/ports.ts";
import { FakeJobLauncher } from "../../test-support/fake-job-launcher.ts";
import { best, REQUEST, row, runIdFor } from "../../test-support/fixtures.ts";
import { type Listening, listen } from "../../test-support/listen.ts";
import { RecordingPublisher } from "../../test-support/recording-publisher.ts";
import { silentLogger } from "../../test-support/silent-logger.ts";
import { apiRouter } from "../handler.ts";
import { type RunEvent, type RunEventsDeps, runEvents } from "./run-events.ts";

const TOKEN = "s3cret-token-for-streams";

let server: Listening | undefined;
const streams: Stream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
  await server?.close();
  server = undefined;
});

/** The whole api, as deployed: the stream mounted by apiRouter, with the token set. */
async function startApi(store: RunStore) {
  server = await listen(
    express().use(
      apiRouter({
        store,
        progress: new MemoryProgressStore(),
        launcher: new FakeJobLauncher(),
        publisher: new RecordingPublisher(),
        log: silentLogger(),
        apiToken: TOKEN,
      }),
    ),
  );
  return server.url;
}

/** The stream alone, polling every 20 ms. */
async function startStream(deps: Partial<RunEventsDeps> & Pick<RunEventsDeps, "store">) {
  const progress = new MemoryProgressStore();
  const app = express().get(
    "/runs/events",
    runEvents({ progress, log: silentLogger(), pollMs: 20, ...deps }),
  );
  server = await listen(app);
  return { url: `${server.url}/runs/events`, progress };
}

interface Stream {
  readonly response: Response;
  readonly messages: RunEvent[];
  readonly comments: string[];
  /** Waits until `predicate` holds, or fails after `timeoutMs`. */
  until(predicate: (s: Stream) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens an SSE stream and parses it as it arrives: `data:` messages and `:` comments. */
async function open(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: RunEvent[] = [];
  const comments: string[] = [];
  const reading = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop() ?? "";
        for (const line of blocks.flatMap((b) => b.split("\n"))) {
          if (line.startsWith("data: ")) messages.push(JSON.parse(line.slice(6)) as RunEvent);
          else if (line.startsWith(":")) comments.push(line.slice(1).trim());
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  const stream: Stream = {
    response,
    messages,
    comments,
    async until(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(stream)) {
        if (Date.now() > deadline)
          throw new Error(`stream: condition not met; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: async () => {
      controller.abort();
      await reading;
    },
  };
  streams.push(stream);
  return stream;
}

const has =
  (runId: string, status: string, done: number, total = 4) =>
  (s: Stream) =>
    s.messages.some(
      (m) =>
        m.runId === runId &&
        m.status === status &&
        m.progress.done === done &&
        m.progress.total === total,
    );

async function createRun(store: MemoryRunStore, name: string) {
  const runId = runIdFor(name);
  await store.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount: 1,
  });
  return runId;
}

async function succeed(store: MemoryRunStore, runId: string) {
  await store.recordShardPart({
    runId,
    shardIndex: 0,
    shardCount: 1,
    partIndex: 0,
    partCount: 1,
    paramNames: ["fast", "slow"],
    rows: [row(0, [5, 20]), row(1, [5, 40]), row(2, [10, 20]), row(3, [10, 40])],
    best: best(2, [10, 20], 0.7),
  });
  await store.completeRun(runId);
}

describe("GET /runs/events", () => {
  it("sends each watched run at first, then each change once: queued, running with live progress, succeeded", async () => {
    const store = new MemoryRunStore();
    const runId = await createRun(store, "watched");
    const { url, progress } = await startStream({ store });
    const stream = await open(url);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get("cache-control")).toBe("no-cache, no-transform");
    await stream.until(has(runId, "queued", 0));

    await store.markRunning(runId);
    await progress.set(runId, 0, 3, 4);
    await stream.until(has(runId, "running", 3));
    await succeed(store, runId);
    await stream.until(has(runId, "succeeded", 4));
    // A few more polls change nothing, so nothing more is sent.
    await new Promise((r) => setTimeout(r, 100));
    expect(stream.messages).toEqual([
      { runId, status: "queued", progress: { done: 0, total: 4 } },
      { runId, status: "running", progress: { done: 3, total: 4 } },
      { runId, status: "succeeded", progress: { done: 4, total: 4 } },
    ]);
  });

  it("still sends the final status of a run that ended after five newer runs came", async () => {
    const store = new MemoryRunStore();
    const old = await createRun(store, "old");
    await store.markRunning(old);
    const { url } = await startStream({ store });
    const stream = await open(url);
    await stream.until(has(old, "running", 0));
    for (let i = 0; i < 6; i++) await createRun(store, `newer-${i}`);
    await stream.until((s) => s.messages.length >= 7);
    await succeed(store, old);
    await stream.until(has(old, "succeeded", 4));
  });

  it("sends a heartbeat comment while nothing changes", async () => {
    const { url } = await startStream({ store: new MemoryRunStore(), heartbeatMs: 30 });
    const stream = await open(url);
    await stream.until((s) => s.comments.includes("heartbeat"));
    expect(stream.messages).toEqual([]);
  });

  // Regression (found by the HTTP fuzz test): HEAD got no head at all, the stream never ending.
  it("answers HEAD with the stream's head at once, and reads nothing", async () => {
    const memory = new MemoryRunStore();
    let reads = 0;
    const store: RunEventsDeps["store"] = {
      getRun: (id) => memory.getRun(id),
      listRuns: (q) => {
        reads++;
        return memory.listRuns(q);
      },
    };
    const { url } = await startStream({ store });
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(2_000) });
    expect([response.status, response.headers.get("content-type")]).toEqual([
      200,
      "text/event-stream; charset=utf-8",
    ]);
    await new Promise((r) => setTimeout(r, 60));
    expect(reads).toBe(0);
  });

  it("stops reading the store once the client has gone, and survives a failed read", async () => {
    const memory = new MemoryRunStore();
    const calls = { listRuns: 0 };
    const store: RunEventsDeps["store"] = {
      getRun: (id) => memory.getRun(id),
      listRuns: async (q) => {
        calls.listRuns++;
        if (calls.listRuns === 1) throw new Error("connection reset");
        return memory.listRuns(q);
      },
    };
    const runId = await createRun(memory, "after-a-failure");
    const { url } = await startStream({ store });
    const stream = await open(url);
    await stream.until(has(runId, "queued", 0));
    await stream.close();
    await new Promise((r) => setTimeout(r, 60));
    const after = calls.listRuns;
    await new Promise((r) => setTimeout(r, 150));
    expect(calls.listRuns).toBe(after);
  });
});

describe("GET /runs/events auth, mounted in the api", () => {
  it("takes the token as a bearer header or as ?token=, and refuses a missing or wrong one", async () => {
    const store = new MemoryRunStore();
    const runId = await createRun(store, "guarded");
    const url = await startApi(store);

    const none = await fetch(`${url}/runs/events`);
    expect([none.status, ((await none.json()) as { error: { code: string } }).error.code]).toEqual([
      401,
      "unauthorized",
    ]);
    expect((await fetch(`${url}/runs/events?token=wrong`)).status).toBe(401);
    expect((await fetch(`${url}/runs/events?token=${TOKEN}x`)).status).toBe(401);
    const wrongHeader = await fetch(`${url}/runs/events?token=${TOKEN}`, {
      headers: { authorization: "Bearer wrong" },
    });
    expect(wrongHeader.status).toBe(401);

    const byQuery = await open(`${url}/runs/events?token=${encodeURIComponent(TOKEN)}`);
    expect(byQuery.response.status).toBe(200);
    await byQuery.until(has(runId, "queued", 0));
    const byHeader = await open(`${url}/runs/events`, { authorization: `Bearer ${TOKEN}` });
    await byHeader.until(has(runId, "queued", 0));
  });

  it("accepts the query token on the stream only", async () => {
    const url = await startApi(new MemoryRunStore());
    expect((await fetch(`${url}/runs?token=${TOKEN}`)).status).toBe(401);
  });
});

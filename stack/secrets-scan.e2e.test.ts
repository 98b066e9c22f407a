// The real stack, callbacks that fail until dead-lettered: no secret in the logs, the dead_letters rows or the journal.
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DeadLetter, RunStore } from "../platform/ports.ts";
import type { Stack } from "./start-stack.ts";
import { postSigned } from "./test-support/client.ts";
import { describeBackends, testAdapters } from "./test-support/test-adapters.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const WEBHOOK_SECRET = "whsec_c2VjcmV0LXNjYW4tdGVzdC1rZXktMDEyMzQ1Njc4OQ==";
const API_TOKEN = "api-t0ken-secret-scan-0123456789";
const PASSWORD = "pa55word";
const TOKEN_VALUE = "t0ken-value";
/** What must appear nowhere: each credential, and the key inside the webhook secret. */
const SECRETS = [PASSWORD, TOKEN_VALUE, WEBHOOK_SECRET, WEBHOOK_SECRET.slice(6), API_TOKEN];

console.warn(`secrets scan runs against ${describeBackends()}`);

/** The run ids whose dead letters the store refuses, so that they wait in the journal. */
const refused = new Set<string>();
function refusingLettersOf(store: RunStore): RunStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property !== "recordDeadLetter") return value.bind(target);
      return async (letter: DeadLetter) => {
        if ([...refused].some((runId) => letter.eventId.startsWith(runId))) {
          throw new Error("database down (test): recordDeadLetter");
        }
        return value.call(target, letter);
      };
    },
  });
}

describe("no credentials in logs, dead letters or the journal", () => {
  let stack: Stack;
  let receiver: Server;
  const callbacks: string[] = [];
  const written: string[] = [];
  let previousLevel: string | undefined;

  beforeAll(async () => {
    // Callbacks fail, every time: notify throws, the broker retries once, then dead-letters.
    receiver = createServer((req, res) => {
      callbacks.push(req.url ?? "");
      req.resume();
      req.on("end", () => res.writeHead(500).end("receiver down"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    // Every line any logger writes in this process (the stack's, the functions', the Jobs'
    // echoed stderr), debug included.
    previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    stack = await startTestStack(
      { WEBHOOK_SECRET, API_TOKEN, ALLOW_INSECURE_URLS: "true" },
      "secrets-scan",
      {
        adapters: await testAdapters(refusingLettersOf),
        brokerDelivery: (d) => ({ ...d, retry: 1, backoffPolicy: "linear", backoffDelayMs: 50 }),
      },
    );
  });

  afterAll(async () => {
    try {
      await stack?.stop(10_000);
    } finally {
      vi.restoreAllMocks();
      if (previousLevel === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previousLevel;
      await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    }
  });

  const api = async (path: string) => {
    const response = await fetch(`${stack.url}${path}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    return (await response.json()) as Record<string, unknown>;
  };

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("finds none of the test's secrets anywhere a person reads", async () => {
    const port = (receiver.address() as AddressInfo).port;
    const request = (seed: number, callbackUrl: string) => ({
      strategy: "sma-crossover",
      params: { fast: [5, 10], slow: [20, 30] },
      data: { synthetic: { bars: 300, seed } },
      callbackUrl,
    });
    const withToken = `http://127.0.0.1:${port}/cb?token=${TOKEN_VALUE}`;
    const withPassword = `http://user:${PASSWORD}@127.0.0.1:${port}/cb?token=${TOKEN_VALUE}`;

    // A: its letter is refused by the store and journalled. B: its letter is stored.
    const a = await postSigned(stack.url, WEBHOOK_SECRET, request(11, withToken));
    const b = await postSigned(stack.url, WEBHOOK_SECRET, request(12, withToken));
    expect([a.status, b.status]).toEqual([202, 202]);
    refused.add(String(a.json.runId));
    // The URL policy refuses credentials in a callback URL, even with insecure URLs allowed.
    const c = await postSigned(stack.url, WEBHOOK_SECRET, request(13, withPassword));
    expect(c.status).toBe(400);
    const runs = [a, b].map((r) => String(r.json.runId));

    const journalDir = join(stack.context.config.DATA_HOME, "dead-letters");
    const journalFiles = async () =>
      (await readdir(journalDir).catch(() => [] as string[])).filter((f) => f.endsWith(".json"));
    const rows = await until("every run's callback to be dead-lettered", async () => {
      const kept = await stack.context.adapters.store.deadLetters(100);
      const journalled = await journalFiles();
      const stored = runs.filter((r) => r !== runs[0]);
      const all = stored.every((r) => kept.some((l) => l.eventId.startsWith(r)));
      return all && journalled.length > 0 ? kept : undefined;
    });
    expect(callbacks.length).toBeGreaterThanOrEqual(4);

    const journal = await Promise.all(
      (await journalFiles()).map((f) => readFile(join(journalDir, f), "utf8")),
    );
    const deadLettersApi = JSON.stringify(await api("/dead-letters?limit=100"));
    // Proof that the letters hold the callback, without its credentials.
    expect(JSON.stringify(rows)).toContain(`http://127.0.0.1:${port}/cb?token=***`);
    expect(journal.join("\n")).toContain(`http://127.0.0.1:${port}/cb?token=***`);

    const places: Record<string, string> = {
      logs: written.join(""),
      dead_letters: JSON.stringify(rows),
      journal: journal.join("\n"),
      "GET /dead-letters": deadLettersApi,
    };
    expect(places.logs.length).toBeGreaterThan(0);
    const found = Object.entries(places).flatMap(([place, text]) =>
      SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${place}`),
    );
    expect(found).toEqual([]);
  });
});

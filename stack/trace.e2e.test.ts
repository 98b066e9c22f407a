// One run's trace context, followed from the webhook through dispatch, the Job, record-result and notify.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Stack } from "./start-stack.ts";
import { waitForRun } from "./test-support/client.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("trace context", () => {
  let stack: Stack;
  const lines: string[] = [];
  const callbacks: IncomingHttpHeaders[] = [];
  const receiver = createServer((req, res) => {
    callbacks.push(req.headers);
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  let previousLevel: string | undefined;

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    // Logs are the evidence here: unmute them and capture this process's stderr, where the
    // functions log and where the launcher echoes each Job's stderr.
    previousLevel = process.env.LOG_LEVEL;
    delete process.env.LOG_LEVEL;
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    stack = await startTestStack({ WEBHOOK_SECRET: SECRET }, "trace-test");
  });

  afterAll(async () => {
    try {
      await stack?.stop(10_000);
    } finally {
      vi.restoreAllMocks();
      if (previousLevel !== undefined) process.env.LOG_LEVEL = previousLevel;
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it("carries the webhook's traceparent into every function's and the Job's logs, and the callback", async () => {
    const port = (receiver.address() as AddressInfo).port;
    const request = {
      strategy: "sma-crossover",
      params: { fast: [5, 10], slow: [20, 30] },
      data: { synthetic: { bars: 300, seed: 3 } },
      callbackUrl: `http://127.0.0.1:${port}/hook`,
    };
    const raw = JSON.stringify(request);
    const { Webhook } = await import("standardwebhooks");
    const at = new Date();
    const response = await fetch(`${stack.url}/webhooks/backtest`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: TRACEPARENT,
        "webhook-id": "msg_trace",
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(SECRET).sign("msg_trace", at, raw),
      },
      body: raw,
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    expect((await waitForRun(stack.url, runId)).status).toBe("succeeded");
    for (let k = 0; k < 50 && callbacks.length === 0; k++)
      await new Promise((r) => setTimeout(r, 100));

    const logs = lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.runId === runId);
    const traced = (who: (l: Record<string, unknown>) => boolean) =>
      logs.filter(who).map((l) => l.traceparent);
    // Every hop logs the run id and the same trace; each Job log line carries it too.
    expect(traced((l) => l.message === "run requested")).toEqual([TRACEPARENT]);
    expect(traced((l) => l.function === "dispatch-backtest")).toContain(TRACEPARENT);
    const jobLines = logs.filter((l) => l.component === "backtest-job");
    expect(jobLines.length).toBeGreaterThan(0);
    expect(new Set(jobLines.map((l) => l.traceparent))).toEqual(new Set([TRACEPARENT]));
    expect(traced((l) => l.function === "record-result")).toContain(TRACEPARENT);
    expect(traced((l) => l.function === "notify")).toContain(TRACEPARENT);
    expect(logs.every((l) => l.component !== "backtest-job" || l.shard !== undefined)).toBe(true);
    // The callback carries it as a W3C header.
    expect(callbacks.map((h) => h.traceparent)).toEqual([TRACEPARENT]);
    // Event ids are logged alongside, so one delivery can be found among redeliveries.
    expect(logs.some((l) => l.function === "record-result" && typeof l.eventId === "string")).toBe(
      true,
    );
  });
});

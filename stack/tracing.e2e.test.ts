// With tracing on, one run's spans (ingest, every function, the Job) reach the collector in one trace.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing, type Tracing } from "../platform/tracing.ts";
import type { Stack } from "./start-stack.ts";
import { postSigned, waitForRun } from "./test-support/client.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  runId?: string;
}

describe("trace export", () => {
  const spans: ExportedSpan[] = [];
  // An OTLP/HTTP collector stand-in that flattens what it is sent.
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const r of body.resourceSpans) {
        const attr = (list: { key: string; value: { stringValue?: string } }[], key: string) =>
          list?.find((a) => a.key === key)?.value.stringValue;
        const service = attr(r.resource?.attributes, "service.name") ?? "";
        for (const scope of r.scopeSpans)
          for (const s of scope.spans)
            spans.push({ ...s, service, runId: attr(s.attributes, "zixly.run_id") });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  let stack: Stack;
  let tracing: Tracing;

  beforeAll(async () => {
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    tracing = await startTracing("zixly-stack", endpoint);
    stack = await startTestStack(
      { WEBHOOK_SECRET: SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      "tracing-test",
    );
  });

  afterAll(async () => {
    try {
      await stack?.stop(10_000);
      await tracing?.shutdown();
    } finally {
      await new Promise<void>((r) => collector.close(() => r()));
    }
  });

  it("exports a span per hop, all in the trace the webhook started, the Job's from its own process", async () => {
    // No traceparent: the ingest span starts the trace, and the events carry its context.
    const { status, json } = await postSigned(stack.url, SECRET, {
      strategy: "sma-crossover",
      params: { fast: [5, 10], slow: [20, 30] },
      data: { synthetic: { bars: 300, seed: 3 } },
    });
    expect(status).toBe(202);
    const runId = json.runId as string;
    expect((await waitForRun(stack.url, runId)).status).toBe("succeeded");
    // record-result marks the run succeeded inside its span, and notify's delivery comes
    // after: once the broker is idle both spans have ended, and the flush below has them.
    expect(await stack.broker.drain(10_000)).toBe(true);
    await tracing.shutdown();
    // The Job flushes its span as it exits, which may be after the run is recorded.
    for (let k = 0; k < 100 && !spans.some((s) => s.service === "backtest-job"); k++)
      await new Promise((r) => setTimeout(r, 100));

    const ingest = spans.find((s) => s.name === "ingest-webhook" && s.runId === runId);
    expect(ingest).toBeDefined();
    expect(ingest!.parentSpanId ?? "").toBe("");
    const run = spans.filter((s) => s.traceId === ingest!.traceId);
    expect(new Set(run.map((s) => s.name))).toEqual(
      new Set(["ingest-webhook", "dispatch-backtest", "backtest-job", "record-result", "notify"]),
    );
    // Each hop is a child of the ingest span, whose context every event carried.
    expect(run.filter((s) => s !== ingest).every((s) => s.parentSpanId === ingest!.spanId)).toBe(
      true,
    );
    expect(run.find((s) => s.name === "backtest-job")!.service).toBe("backtest-job");
    expect(run.every((s) => s.runId === runId)).toBe(true);
  });
});

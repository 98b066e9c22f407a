// startTracing and inSpan: a pass-through when off, spans to an OTLP/HTTP receiver when on.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { inEventSpan, inSpan, startTracing } from "./tracing.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
  events?: { name: string }[];
}
interface OtlpBody {
  resourceSpans: {
    resource?: { attributes?: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** A collector stand-in: keeps every JSON body posted to /v1/traces. */
function otlpReceiver() {
  const bodies: OtlpBody[] = [];
  const types: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        types.push(req.headers["content-type"] ?? "");
        bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpBody);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  const spans = () =>
    bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  return { server, bodies, types, spans };
}

// OTLP/JSON may write an int64 as a number or a string; compare them as strings.
const attributes = (span: OtlpSpan) =>
  Object.fromEntries(
    (span.attributes ?? []).map((a) => [a.key, String(Object.values(a.value)[0])]),
  );

describe("tracing off", () => {
  it("inSpan calls through and returns the value, with no traceparent to pass on", async () => {
    const tracing = await startTracing("test");
    expect(tracing.enabled).toBe(false);
    await expect(
      inSpan("work", TRACEPARENT, { "faas.name": "test" }, async (span) => {
        span.set("zixly.run_id", "run_x");
        span.fail("ignored");
        return span.traceparent ?? 42;
      }),
    ).resolves.toBe(42);
    await expect(
      inSpan("work", undefined, {}, () => Promise.reject(new Error("boom"))),
    ).rejects.toThrow("boom");
    await tracing.shutdown();
  });

  it("is off unless the config names an endpoint, which must be a URL", () => {
    expect(loadConfig({}).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});

describe("tracing to an OTLP/HTTP endpoint", () => {
  const receiver = otlpReceiver();
  let endpoint: string;

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => receiver.server.close(() => r())));

  it("exports each span under the given trace and parent, with its attributes and status, on shutdown", async () => {
    const tracing = await startTracing("tracing-test", endpoint);
    expect(tracing.enabled).toBe(true);

    const passedOn = await inSpan(
      "dispatch-backtest",
      TRACEPARENT,
      {
        "faas.name": "dispatch-backtest",
        "zixly.run_id": "run_1",
        "cloudevents.event_id": undefined,
      },
      async (span) => {
        span.set("zixly.shard_index", 3);
        return span.traceparent;
      },
    );
    // A valid parent is passed on unchanged: downstream hops stay in the caller's trace.
    expect(passedOn).toBe(TRACEPARENT);
    await expect(
      inSpan("record-result", TRACEPARENT, { "faas.name": "record-result" }, async () => {
        throw new Error("store down");
      }),
    ).rejects.toThrow("store down");
    // No parent: a new trace rooted at this span, whose own context is the one to pass on.
    const rooted = await inSpan(
      "ingest-webhook",
      "not-a-traceparent",
      {},
      async (s) => s.traceparent,
    );
    await inEventSpan(
      "notify",
      {
        id: "run_1/completed",
        type: "com.zixly.backtest.completed",
        traceparent: TRACEPARENT,
        data: { runId: "run_1" },
      },
      async (span) => span.fail("callback refused"),
    );
    expect(receiver.spans()).toEqual([]); // batched: nothing is sent before the flush

    await tracing.shutdown();
    expect(receiver.types.every((t) => t.startsWith("application/json"))).toBe(true);
    const spans = receiver.spans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      "dispatch-backtest",
      "ingest-webhook",
      "notify",
      "record-result",
    ]);
    const byName = (name: string) => spans.find((s) => s.name === name)!;

    const ok = byName("dispatch-backtest");
    expect(ok).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(ok.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ok.spanId).not.toBe(PARENT_ID);
    expect(attributes(ok)).toEqual({
      "faas.name": "dispatch-backtest",
      "zixly.run_id": "run_1",
      "zixly.shard_index": "3",
    });
    expect(ok.status?.code ?? 0).not.toBe(2);

    const failed = byName("record-result");
    expect(failed).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(failed.status).toMatchObject({ code: 2, message: "store down" }); // STATUS_CODE_ERROR
    expect(failed.events?.map((e) => e.name)).toEqual(["exception"]);

    const root = byName("ingest-webhook");
    expect(root.parentSpanId ?? "").toBe("");
    expect(rooted).toBe(`00-${root.traceId}-${root.spanId}-01`);

    const event = byName("notify");
    expect(event).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(attributes(event)).toEqual({
      "faas.name": "notify",
      "cloudevents.event_id": "run_1/completed",
      "cloudevents.event_type": "com.zixly.backtest.completed",
      "zixly.run_id": "run_1",
    });
    expect(event.status).toMatchObject({ code: 2, message: "callback refused" });

    const resource = receiver.bodies[0].resourceSpans[0].resource?.attributes ?? [];
    expect(resource).toContainEqual({
      key: "service.name",
      value: { stringValue: "tracing-test" },
    });

    // Shut down, tracing is off again and a later start works.
    await expect(
      inSpan("after", TRACEPARENT, {}, async (s) => s.traceparent),
    ).resolves.toBeUndefined();
    const again = await startTracing("tracing-test", endpoint);
    await again.shutdown();
  });
});

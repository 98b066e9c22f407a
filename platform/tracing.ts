// Optional OpenTelemetry trace export (OTLP/HTTP JSON), off by default: docs/tracing.md.
import {
  type Attributes,
  context,
  DiagLogLevel,
  diag,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { createLogger } from "./log.ts";

/**
 * The only attributes our spans carry: a fixed set of keys, each of bounded cardinality per
 * run, so a backend's index does not grow with anything a request controls.
 */
export interface SpanAttributes {
  readonly "zixly.run_id"?: string;
  readonly "zixly.shard_index"?: number;
  readonly "cloudevents.event_id"?: string;
  readonly "cloudevents.event_type"?: string;
  readonly "faas.name"?: string;
}

/** What `fn` may do with its span; with tracing off every method is a no-op. */
export interface SpanHandle {
  /**
   * The W3C traceparent to pass on: the parent's when a valid one was given, else this
   * span's own, so a trace that starts here is rooted at this span. Undefined with tracing off.
   */
  readonly traceparent: string | undefined;
  /** Adds an attribute learnt along the way, e.g. the run id once a webhook is verified. */
  set<K extends keyof SpanAttributes>(key: K, value: NonNullable<SpanAttributes[K]>): void;
  /** Marks the span failed without a throw, e.g. a shard that reports its failure and exits 2. */
  fail(message: string): void;
}

/** A started tracer; `shutdown` flushes what is buffered and turns tracing off again. */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const NO_SPAN: SpanHandle = Object.freeze({ traceparent: undefined, set() {}, fail() {} });
const OFF: Tracing = Object.freeze({ enabled: false, shutdown: async () => {} });
/** A flush must not hold a finished process open when the collector is unreachable. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

// Set while tracing is on; `inSpan` checks only this, so tracing off costs one comparison.
let tracer: Tracer | undefined;

/**
 * Starts exporting spans to `${endpoint}/v1/traces` as OTLP/HTTP JSON, once per process.
 * Without an endpoint it loads nothing and returns a no-op. The SDK is imported only here, so
 * a process with tracing off never loads it.
 * @example const tracing = await startTracing("dispatch-backtest", config.OTEL_EXPORTER_OTLP_ENDPOINT);
 */
export async function startTracing(serviceName: string, endpoint?: string): Promise<Tracing> {
  if (!endpoint) return OFF;
  if (tracer) throw new Error("tracing is already started in this process");
  const url = new URL(`${endpoint.replace(/\/+$/, "")}/v1/traces`).href;
  const [{ W3CTraceContextPropagator }, { resourceFromAttributes }, sdk, { OTLPTraceExporter }] =
    await Promise.all([
      import("@opentelemetry/core"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/exporter-trace-otlp-http"),
    ]);
  const log = createLogger("tracing");
  // The SDK reports failed exports through diag, which is silent unless given a logger.
  diag.setLogger(
    {
      error: (message) => log.warn(message),
      warn: (message) => log.warn(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  tracer = provider.getTracer("zixly-pipelines");
  log.info("exporting traces", { serviceName, url });

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => {
      stopped ??= (async () => {
        tracer = undefined;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref();
        });
        await Promise.race([provider.shutdown().catch(() => {}), timeout]);
        clearTimeout(timer);
        trace.disable();
        propagation.disable();
        diag.disable();
      })();
      return stopped;
    },
  };
}

/**
 * Runs `fn` inside a span whose parent is the W3C `traceparent` (a new trace when it is
 * absent or malformed); a throw is recorded on the span, which fails, and rethrown.
 * With tracing off it only calls `fn`.
 * @example await inSpan("dispatch-backtest", event.traceparent, { "faas.name": name }, () => handle(event));
 */
export function inSpan<T>(
  name: string,
  traceparent: string | undefined,
  attributes: SpanAttributes,
  fn: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  if (tracer === undefined) return fn(NO_SPAN);
  return traced(tracer, name, traceparent, attributes, fn);
}

/** The span of one CloudEvent delivered to the function `name`, parented on its `traceparent` extension. */
export function inEventSpan<T>(
  name: string,
  event: { readonly id: string; readonly type: string; readonly data?: unknown } & Record<
    string,
    unknown
  >,
  fn: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  if (tracer === undefined) return fn(NO_SPAN);
  const runId = (event.data as { runId?: unknown } | null | undefined)?.runId;
  return traced(
    tracer,
    name,
    typeof event.traceparent === "string" ? event.traceparent : undefined,
    {
      "faas.name": name,
      "cloudevents.event_id": event.id,
      "cloudevents.event_type": event.type,
      ...(typeof runId === "string" ? { "zixly.run_id": runId } : {}),
    },
    fn,
  );
}

async function traced<T>(
  tracer: Tracer,
  name: string,
  traceparent: string | undefined,
  attributes: SpanAttributes,
  fn: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { attributes: defined(attributes) }, parent);
  const passOn = trace.getSpanContext(parent) ?? span.spanContext();
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(handleOf(span, passOn)));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

function handleOf(span: Span, passOn: SpanContext): SpanHandle {
  return {
    traceparent: `00-${passOn.traceId}-${passOn.spanId}-${passOn.traceFlags.toString(16).padStart(2, "0")}`,
    set: (key, value) => {
      span.setAttribute(key, value);
    },
    fail: (message) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    },
  };
}

/** The SDK warns about undefined attribute values; leave them out instead. */
function defined(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

// Building and reading binary-mode CloudEvents with the cloudevents SDK, data checked by zod.
import { CloudEvent, type CloudEventV1, HTTP } from "cloudevents";
import type { z } from "zod";
import { EVENTS, type EventData, type EventType, isEventType } from "./registry.ts";

/** A CloudEvent whose type is one of ours and whose data passed its schema. */
export type ZixlyEvent<T extends EventType = EventType> = CloudEvent<EventData<T>> & { type: T };

/** What {@link createEvent} needs besides the data. */
export interface EventMeta {
  /** Unique per distinct event for this source; a re-sent event keeps its id. */
  readonly id: string;
  /** URI-reference of the producer, e.g. `/zixly/ingest-webhook`. */
  readonly source: string;
  /** W3C trace context of the first hop, carried as the distributed-tracing extension. */
  readonly traceparent?: string;
  readonly time?: string;
}

/** An event's data failed its schema: the issues name each path. */
export class InvalidEventData extends Error {
  readonly issues: z.core.$ZodIssue[];
  constructor(type: string, issues: z.core.$ZodIssue[]) {
    super(
      `invalid data for ${type}: ${issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`).join("; ")}`,
    );
    this.name = "InvalidEventData";
    this.issues = issues;
  }
}

/**
 * Builds an event of type `type`, validating `data` against its schema first. The SDK's own
 * attribute validation is skipped: every attribute is set here, from values already checked.
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: EventMeta,
): ZixlyEvent<T> {
  const parsed = EVENTS[type].data.safeParse(data);
  if (!parsed.success) throw new InvalidEventData(type, parsed.error.issues);
  return new CloudEvent(
    {
      specversion: "1.0",
      id: meta.id,
      source: meta.source,
      type,
      time: meta.time ?? new Date().toISOString(),
      datacontenttype: "application/json",
      data: parsed.data as EventData<T>,
      ...(meta.traceparent ? { traceparent: meta.traceparent } : {}),
    },
    false,
  ) as ZixlyEvent<T>;
}

/** HTTP binary mode: attributes as `ce-*` headers, the data as the JSON body. */
export function toBinaryHttp(event: CloudEvent<unknown>): {
  headers: Record<string, string>;
  body: string;
} {
  const message = HTTP.binary(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k.toLowerCase()] = String(v);
  // W3C trace context travels as its own header too, for proxies and tracers that know HTTP.
  const traceparent = event.traceparent;
  if (typeof traceparent === "string") headers.traceparent = traceparent;
  return {
    headers,
    body: typeof message.body === "string" ? message.body : JSON.stringify(message.body),
  };
}

/** Why an incoming HTTP message is not one of our events. */
export class NotOurEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotOurEvent";
  }
}

/**
 * Reads a binary- or structured-mode CloudEvent from HTTP headers and body and checks
 * its data. Throws {@link NotOurEvent} for a malformed message or unknown type, and
 * {@link InvalidEventData} for data that breaks the schema.
 */
export function fromHttp(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): ZixlyEvent {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) flat[k.toLowerCase()] = String(v);
  let event: CloudEvent<unknown>;
  try {
    const parsed = HTTP.toEvent({ headers: flat, body: body as string });
    // Batched mode would need every event accepted or none; one event per request, as
    // Knative's broker ingress takes them. An empty batch once crashed here (a 500).
    if (Array.isArray(parsed)) {
      throw new NotOurEvent("batched CloudEvents are not accepted: send one event per request");
    }
    event = parsed as CloudEvent<unknown>;
  } catch (error) {
    if (error instanceof NotOurEvent) throw error;
    throw new NotOurEvent(
      `not a CloudEvent: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return checkEvent(event);
}

/**
 * Checks that `event` is of one of our types and that its data passes the schema. Accepts
 * the plain attribute object functions-framework hands to CloudEvent functions, too.
 */
export function checkEvent(event: CloudEventV1<unknown>): ZixlyEvent {
  if (!isEventType(event.type)) throw new NotOurEvent(`unknown event type "${event.type}"`);
  let data: unknown = event.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      throw new InvalidEventData(event.type, [
        { code: "custom", path: [], message: "data is not JSON", input: data },
      ]);
    }
  }
  const parsed = EVENTS[event.type].data.safeParse(data);
  if (!parsed.success) throw new InvalidEventData(event.type, parsed.error.issues);
  return new CloudEvent({ ...event, data: parsed.data }, false) as ZixlyEvent;
}

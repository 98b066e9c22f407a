// The check a CloudEvent function's request gets before functions-framework reads it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, InvalidRequest } from "./http-errors.ts";
import { sendError } from "./send-error.ts";

/** Binary mode carries our JSON data; structured mode is the event as JSON. */
const EVENT_MEDIA_TYPES = new Set(["application/json", "application/cloudevents+json"]);

/**
 * Why `req` cannot be a CloudEvent for one of our event functions, or undefined when it may
 * be. functions-framework 5.0.5 answers 500 (a TypeError on an undefined body) to a GET, to
 * a POST without a body, and to a body it did not parse as JSON.
 */
export function eventRequestRefusal(req: IncomingMessage): HttpError | undefined {
  if (req.method !== "POST") {
    return new HttpError(405, "method_not_allowed", "POST a CloudEvent here", {
      headers: { allow: "POST" },
    });
  }
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (!EVENT_MEDIA_TYPES.has(mediaType)) {
    return new HttpError(
      415,
      "unsupported_media_type",
      "a CloudEvent here is application/json (binary mode) or application/cloudevents+json",
    );
  }
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (!chunked && !(Number(req.headers["content-length"]) > 0)) {
    return new InvalidRequest("a CloudEvent needs a body");
  }
  return undefined;
}

/** Answers a request {@link eventRequestRefusal} refuses; returns false when it has answered. */
export function guardEventRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: (message: string, fields: Record<string, unknown>) => void,
): boolean {
  const refusal = eventRequestRefusal(req);
  if (!refusal) return true;
  req.resume();
  sendError(res, refusal, log);
  return false;
}

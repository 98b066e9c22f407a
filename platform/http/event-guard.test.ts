import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { eventRequestRefusal } from "./event-guard.ts";

const request = (method: string, headers: Record<string, string>) =>
  ({ method, headers }) as unknown as IncomingMessage;

describe("eventRequestRefusal", () => {
  it("lets a binary-mode and a structured-mode POST with a body through", () => {
    const binary = { "content-type": "application/json", "content-length": "2" };
    const structured = {
      "content-type": "application/cloudevents+json; charset=utf-8",
      "transfer-encoding": "chunked",
    };
    expect(eventRequestRefusal(request("POST", binary))).toBeUndefined();
    expect(eventRequestRefusal(request("POST", structured))).toBeUndefined();
  });

  it("answers a GET with 405 and Allow: POST (functions-framework answered 500)", () => {
    const refusal = eventRequestRefusal(request("GET", {}));
    expect(refusal?.status).toBe(405);
    expect(refusal?.headers.allow).toBe("POST");
  });

  it("answers a text/plain or typeless body with 415", () => {
    const plain = { "content-type": "text/plain", "content-length": "3" };
    expect(eventRequestRefusal(request("POST", plain))?.status).toBe(415);
    expect(eventRequestRefusal(request("POST", { "content-length": "3" }))?.status).toBe(415);
  });

  it("answers a POST without a body with 400", () => {
    const empty = { "content-type": "application/json", "content-length": "0" };
    expect(eventRequestRefusal(request("POST", empty))?.status).toBe(400);
    expect(
      eventRequestRefusal(request("POST", { "content-type": "application/json" }))?.status,
    ).toBe(400);
  });
});

// Proves Knative's status verdicts, backoff formulas and dead-letter extensions.
import { describe, expect, it } from "vitest";
import { backoffMs, verdictFor, withErrorExtensions } from "./delivery-rules.ts";
import { progressEvent } from "./test-support/fixtures.ts";

describe("verdictFor (Knative data-plane)", () => {
  it.each([200, 201, 202, 204])("%i acknowledges", (status) =>
    expect(verdictFor(status)).toBe("ack"),
  );
  it.each([404, 408, 409, 429, 500, 502, 503, 504, 599])("%i is retried", (status) =>
    expect(verdictFor(status)).toBe("retry"),
  );
  it.each([100, 301, 302, 307, 400, 401, 403, 405, 410, 413, 422, 600, 0])(
    "%i fails without a retry",
    (status) => expect(verdictFor(status)).toBe("fail"),
  );
});

describe("backoffMs", () => {
  it("doubles from the delay when exponential: delay * 2^n", () => {
    const spec = { retry: 5, backoffPolicy: "exponential", backoffDelayMs: 200 } as const;
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(spec, n))).toEqual([200, 400, 800, 1600, 3200]);
  });

  it("grows by the delay when linear: delay * n, so the first retry is immediate", () => {
    const spec = { retry: 3, backoffPolicy: "linear", backoffDelayMs: 200 } as const;
    expect([0, 1, 2].map((n) => backoffMs(spec, n))).toEqual([0, 200, 400]);
  });
});

describe("withErrorExtensions", () => {
  it("adds the destination, the status and the base64 body, keeping id, source and data", () => {
    const event = progressEvent();
    const copy = withErrorExtensions(event, {
      destination: "record-result",
      status: 500,
      data: "boom",
    });
    expect(copy.knativeerrordest).toBe("record-result");
    expect(copy.knativeerrorcode).toBe("500");
    expect(Buffer.from(String(copy.knativeerrordata), "base64").toString()).toBe("boom");
    expect([copy.id, copy.source, copy.type, copy.data]).toEqual([
      event.id,
      event.source,
      event.type,
      event.data,
    ]);
    expect(event.knativeerrordest).toBeUndefined();
  });

  it("leaves the code out after a network error and cuts the data to 1 KiB", () => {
    const copy = withErrorExtensions(progressEvent(), { destination: "x", data: "é".repeat(1000) });
    expect(copy.knativeerrorcode).toBeUndefined();
    expect(Buffer.from(String(copy.knativeerrordata), "base64").length).toBe(1024);
  });
});

// Credentials are taken out of URLs, free text and fields, and what says where stays readable.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redactFields, redactText, redactUrl, redactValue } from "./redact.ts";

describe("redactUrl", () => {
  it.each([
    ["https://user:pw@example.com/cb?token=abc&x=1", "https://***@example.com/cb?token=***&x=***"],
    ["http://user@127.0.0.1:8080/cb", "http://***@127.0.0.1:8080/cb"],
    ["http://a:b@c@host/p", "http://***@host/p"],
    ["postgres://app:s3cret@db:5432/zixly", "postgres://***@db:5432/zixly"],
    ["redis://:hunter2@cache:6379", "redis://***@cache:6379"],
    ["https://example.com/cb", "https://example.com/cb"],
    ["https://example.com/cb?", "https://example.com/cb?"],
    ["https://example.com/cb?flag&k=", "https://example.com/cb?***&k=***"],
    [
      "https://example.com/#access_token=abc&state=1",
      "https://example.com/#access_token=***&state=***",
    ],
    ["https://example.com/docs#section-2", "https://example.com/docs#section-2"],
    ["/runs/events?token=abc", "/runs/events?token=***"],
  ])("%s -> %s", (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it("is idempotent and never lets a password or a query value through", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_-]{6,12}$/);
    fc.assert(
      fc.property(word, word, word, (user, password, token) => {
        const url = `http://${user}:${password}@example.com/cb?token=${token}`;
        const once = redactUrl(url);
        expect(redactUrl(once)).toBe(once);
        expect(once).not.toContain(password);
        expect(once).not.toContain(`=${token}`);
      }),
    );
  });
});

describe("redactText", () => {
  it("redacts every URL in a message and keeps the rest of it", () => {
    const message =
      "callback to http://user:pa55word@127.0.0.1:9/cb?token=t0ken-value answered 500; retry";
    expect(redactText(message)).toBe(
      "callback to http://***@127.0.0.1:9/cb?token=*** answered 500; retry",
    );
  });

  it("redacts URLs inside JSON text, bare paths with a query, bearer tokens and key=value secrets", () => {
    expect(redactText('{"callbackUrl":"https://u:p@h/x?sig=1"}')).toBe(
      '{"callbackUrl":"https://***@h/x?sig=***"}',
    );
    expect(redactText("GET /runs/events?token=abc 200")).toBe("GET /runs/events?token=*** 200");
    expect(redactText("sent Authorization: Bearer abc.def-ghi")).toBe(
      "sent Authorization: Bearer ***",
    );
    expect(redactText("host=db password=s3cret user=app")).toBe("host=db password=*** user=app");
  });

  it("leaves text without credentials alone", () => {
    const plain = "run requested: 42 combinations in 3 shards";
    expect(redactText(plain)).toBe(plain);
  });
});

describe("redactValue and redactFields", () => {
  it("replaces credential-named fields whole, at any depth, and redacts strings everywhere", () => {
    const out = redactFields({
      headers: { authorization: "Bearer abc", Cookie: "sid=1", accept: "*/*" },
      apiToken: "t0ken",
      webhookSecret: "whsec_x",
      password: { nested: "still hidden" },
      list: ["http://u:p@h/", 3, true],
      attempt: 2,
      ok: false,
    });
    expect(out).toEqual({
      headers: { authorization: REDACTED, Cookie: REDACTED, accept: "*/*" },
      apiToken: REDACTED,
      webhookSecret: REDACTED,
      password: REDACTED,
      list: ["http://***@h/", 3, true],
      attempt: 2,
      ok: false,
    });
  });

  it("shows errors as their redacted text and serialisable objects by what they serialise to", () => {
    expect(redactValue(new Error("fetch http://u:p@h/?k=v failed"))).toBe(
      "Error: fetch http://***@h/?k=*** failed",
    );
    expect(redactValue(new URL("https://u:p@example.com/?token=x"))).toBe(
      "https://***@example.com/?token=***",
    );
  });

  it("cuts nesting deeper than the bound, so a cycle ends", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const out = redactValue(cyclic, 3) as Record<string, Record<string, Record<string, unknown>>>;
    expect(out.self?.self?.self).toBe("[too deep]");
  });
});

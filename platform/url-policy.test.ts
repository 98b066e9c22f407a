// The outbound URL policy: https to public hosts only, unless insecure URLs are allowed.
import { describe, expect, it } from "vitest";
import { urlRefusal } from "./url-policy.ts";

describe("urlRefusal", () => {
  it.each(["https://example.com/data.csv", "https://8.8.8.8/x", "https://[2001:db8::1]/x"])(
    "allows %s",
    (url) => {
      expect(urlRefusal(url, false)).toBeUndefined();
    },
  );

  it.each([
    ["http://example.com/x", "must use https"],
    ["https://localhost/x", "may not point at a private or local address"],
    ["https://api.localhost/x", "may not point at a private or local address"],
    ["https://127.0.0.1/x", "may not point at a private or local address"],
    ["https://10.1.2.3/x", "may not point at a private or local address"],
    ["https://172.20.0.1/x", "may not point at a private or local address"],
    ["https://192.168.1.1/x", "may not point at a private or local address"],
    ["https://169.254.169.254/latest", "may not point at a private or local address"],
    ["https://100.64.0.1/x", "may not point at a private or local address"],
    ["https://0.0.0.0/x", "may not point at a private or local address"],
    ["https://[::]/x", "may not point at a private or local address"],
    ["https://[::1]/x", "may not point at a private or local address"],
    ["https://[::ffff:127.0.0.1]/x", "may not point at a private or local address"],
    ["https://[fd00::1]/x", "may not point at a private or local address"],
    ["https://[fe80::1]/x", "may not point at a private or local address"],
    ["not a url", "not a URL"],
  ])("refuses %s: %s", (url, reason) => {
    expect(urlRefusal(url, false)).toBe(reason);
  });

  it("allows anything parseable when insecure URLs are allowed", () => {
    expect(urlRefusal("http://127.0.0.1:8080/cb", true)).toBeUndefined();
    expect(urlRefusal("nope", true)).toBe("not a URL");
  });
});

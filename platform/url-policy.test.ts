// The outbound URL policy by the URL alone: https to public hosts only, unless insecure URLs are allowed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkUrl, PRIVATE_TARGET, urlRefusal } from "./url-policy.ts";

describe("urlRefusal", () => {
  it.each([
    "https://example.com/data.csv",
    "https://8.8.8.8/x",
    "https://[2606:4700::1111]/x",
    "https://[::ffff:8.8.8.8]/x",
    "https://172.32.0.1/x",
    "https://100.128.0.1/x",
    // Host names that merely start like a private prefix are public.
    "https://fdic.gov/x",
    "https://localhost.example.com/x",
  ])("allows %s", (url) => {
    expect(urlRefusal(url, false)).toBeUndefined();
  });

  it.each([
    ["http://example.com/x", "must use https"],
    ["file:///etc/passwd", "must use http or https"],
    ["data:text/csv,a", "must use http or https"],
    ["https://user:pw@example.com/x", "may not contain a user name or password"],
    ["https://localhost/x", PRIVATE_TARGET],
    ["https://localhost./x", PRIVATE_TARGET],
    ["https://LocalHost../x", PRIVATE_TARGET],
    ["https://api.localhost/x", PRIVATE_TARGET],
    ["https://127.0.0.1/x", PRIVATE_TARGET],
    ["https://127.0.0.1./x", PRIVATE_TARGET],
    ["https://2130706433/x", PRIVATE_TARGET],
    ["https://0x7f.1/x", PRIVATE_TARGET],
    ["https://10.1.2.3/x", PRIVATE_TARGET],
    ["https://172.20.0.1/x", PRIVATE_TARGET],
    ["https://192.168.1.1/x", PRIVATE_TARGET],
    ["https://169.254.169.254/latest", PRIVATE_TARGET],
    ["https://100.64.0.1/x", PRIVATE_TARGET],
    ["https://0.0.0.0/x", PRIVATE_TARGET],
    ["https://192.0.2.1/x", PRIVATE_TARGET],
    ["https://198.18.0.1/x", PRIVATE_TARGET],
    ["https://224.0.0.1/x", PRIVATE_TARGET],
    ["https://255.255.255.255/x", PRIVATE_TARGET],
    ["https://[::]/x", PRIVATE_TARGET],
    ["https://[::1]/x", PRIVATE_TARGET],
    ["https://[::ffff:127.0.0.1]/x", PRIVATE_TARGET],
    ["https://[64:ff9b::10.0.0.1]/x", PRIVATE_TARGET],
    ["https://[2002:c0a8:101::1]/x", PRIVATE_TARGET],
    ["https://[2001:db8::1]/x", PRIVATE_TARGET],
    ["https://[fd00::1]/x", PRIVATE_TARGET],
    ["https://[fe80::1]/x", PRIVATE_TARGET],
    ["https://[ff02::1]/x", PRIVATE_TARGET],
    ["not a url", "not a URL"],
  ])("refuses %s: %s", (url, reason) => {
    expect(urlRefusal(url, false)).toBe(reason);
  });

  it("allows http and private hosts when insecure URLs are allowed, but never other schemes", () => {
    expect(urlRefusal("http://127.0.0.1:8080/cb", true)).toBeUndefined();
    expect(urlRefusal("http://localhost./cb", true)).toBeUndefined();
    expect(urlRefusal("file:///etc/passwd", true)).toBe("must use http or https");
    expect(urlRefusal("nope", true)).toBe("not a URL");
  });

  it("refuses every private IPv4 address in every spelling the URL parser accepts", () => {
    const blocks = [
      [0x7f000000, 8],
      [0x0a000000, 8],
      [0xac100000, 12],
      [0xc0a80000, 16],
      [0xa9fe0000, 16],
      [0x64400000, 10],
    ] as const;
    const address = fc
      .tuple(fc.constantFrom(...blocks), fc.nat())
      .map(([[base, prefix], n]) => (base + (n % 2 ** (32 - prefix))) >>> 0);
    const spellings = (n: number) => {
      const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
      const hex = (x: number) => x.toString(16);
      return [
        bytes.join("."),
        `${bytes.join(".")}.`,
        String(n),
        `0x${hex(n)}`,
        `0${n.toString(8)}`,
        bytes.map((b) => `0x${hex(b)}`).join("."),
        `[::ffff:${bytes.join(".")}]`,
        `[::ffff:${hex(n >>> 16)}:${hex(n & 0xffff)}]`,
        `[64:ff9b::${hex(n >>> 16)}:${hex(n & 0xffff)}]`,
        `[2002:${hex(n >>> 16)}:${hex(n & 0xffff)}::1]`,
      ];
    };
    fc.assert(
      fc.property(address, (n) => {
        for (const host of spellings(n)) {
          expect(urlRefusal(`https://${host}/x`, false), host).toBe(PRIVATE_TARGET);
        }
      }),
    );
  });
});

describe("checkUrl", () => {
  it("hands back the URL to call, the host without its trailing dot and without a fragment", () => {
    const checked = checkUrl("https://Files.Example.com./d.csv?x=1#top", false);
    expect(checked.ok && checked.url.href).toBe("https://files.example.com/d.csv?x=1");
  });

  it("keeps the detail (the range hit) for logs and out of the reason", () => {
    const checked = checkUrl("https://10.0.0.1/", false);
    expect(checked).toMatchObject({ ok: false, reason: PRIVATE_TARGET });
    expect(!checked.ok && checked.detail).toContain("10.0.0.0/8 (private)");
  });
});

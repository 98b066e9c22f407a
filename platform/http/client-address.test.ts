// The client address walks X-Forwarded-For from the peer through trusted proxies only.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import {
  addressMatcher,
  clientAddress,
  compileTrust,
  isAddressOrRange,
  normaliseAddress,
  trustListProblem,
} from "./client-address.ts";

/** A request as proxy-addr reads it: the TCP peer and the X-Forwarded-For header. */
function request(peer: string, xff?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  } as unknown as IncomingMessage;
}

describe("clientAddress", () => {
  it("is the hop before a trusted loopback peer (queue-proxy in a Knative pod)", () => {
    expect(clientAddress(request("127.0.0.1", "203.0.113.7"), compileTrust("loopback"))).toBe(
      "203.0.113.7",
    );
  });

  it("is the peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress(request("127.0.0.1", "203.0.113.7"))).toBe("127.0.0.1");
    expect(clientAddress(request("127.0.0.1", "203.0.113.7"), compileTrust(""))).toBe("127.0.0.1");
  });

  it("ignores spoofed entries left of the first untrusted hop", () => {
    const trust = compileTrust("loopback");
    expect(clientAddress(request("127.0.0.1", "1.2.3.4, 203.0.113.7"), trust)).toBe("203.0.113.7");
  });

  it("walks every trusted hop: queue-proxy, activator and Kourier in the pod CIDR", () => {
    const trust = compileTrust("loopback, 10.244.0.0/16");
    const xff = "6.6.6.6, 203.0.113.7, 10.244.1.5, 10.244.2.9";
    expect(clientAddress(request("127.0.0.1", xff), trust)).toBe("203.0.113.7");
  });

  it("normalises an IPv4-mapped IPv6 peer, and trusts it as the IPv4 range it is in", () => {
    expect(clientAddress(request("::ffff:127.0.0.1"))).toBe("127.0.0.1");
    expect(
      clientAddress(request("::ffff:127.0.0.1", "203.0.113.7"), compileTrust("loopback")),
    ).toBe("203.0.113.7");
    expect(normaliseAddress("::FFFF:203.0.113.7")).toBe("203.0.113.7");
    expect(normaliseAddress("2001:DB8::1")).toBe("2001:db8::1");
  });

  it("answers an empty address for a request whose socket is gone", () => {
    expect(clientAddress({ socket: {}, headers: {} } as unknown as IncomingMessage)).toBe("");
  });
});

describe("TRUSTED_PROXIES and allowIps entries", () => {
  it("take addresses, CIDR ranges and proxy-addr's names for proxies; name a bad entry", () => {
    expect(trustListProblem("loopback, 10.0.0.0/8, ::1, fd00::/8")).toBeUndefined();
    expect(trustListProblem("")).toBeUndefined();
    expect(trustListProblem("loopback, not-an-ip")).toMatch(/not-an-ip/);
    expect(trustListProblem("10.0.0.0/33")).toMatch(/10\.0\.0\.0\/33/);
  });

  it("allow addresses and CIDR ranges only in allowIps", () => {
    for (const ok of ["203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "::1"]) {
      expect(isAddressOrRange(ok), ok).toBe(true);
    }
    for (const bad of ["loopback", "203.0.113", "203.0.113.0/", "1.2.3.4/40", "host.example", ""]) {
      expect(isAddressOrRange(bad), bad).toBe(false);
    }
  });

  it("match an address, a range, and an IPv4-mapped address against IPv4 entries", () => {
    const allowed = addressMatcher(["203.0.113.0/24", "198.51.100.9"]);
    expect(allowed("203.0.113.200")).toBe(true);
    expect(allowed("198.51.100.9")).toBe(true);
    expect(allowed("::ffff:203.0.113.5")).toBe(true);
    expect(allowed("198.51.100.10")).toBe(false);
    expect(allowed("garbage")).toBe(false);
    expect(addressMatcher([])("203.0.113.7")).toBe(false);
  });
});

// The special-purpose address table: each IANA block refused, embedded IPv4 checked, public addresses passed.
import { describe, expect, it } from "vitest";
import { forbiddenRange } from "./forbidden-addresses.ts";

describe("forbiddenRange", () => {
  it.each([
    ["0.1.2.3", "0.0.0.0/8"],
    ["10.255.0.1", "10.0.0.0/8"],
    ["100.127.255.255", "100.64.0.0/10"],
    ["127.8.9.10", "127.0.0.0/8"],
    ["169.254.169.254", "169.254.0.0/16"],
    ["172.31.0.1", "172.16.0.0/12"],
    ["192.0.0.170", "192.0.0.0/24"],
    ["192.0.2.9", "192.0.2.0/24"],
    ["192.88.99.1", "192.88.99.0/24"],
    ["192.168.0.1", "192.168.0.0/16"],
    ["198.19.255.1", "198.18.0.0/15"],
    ["198.51.100.7", "198.51.100.0/24"],
    ["203.0.113.7", "203.0.113.0/24"],
    ["239.1.1.1", "224.0.0.0/4"],
    ["250.0.0.1", "240.0.0.0/4"],
    ["255.255.255.255", "240.0.0.0/4"],
    ["::", "::/128"],
    ["::1", "::1/128"],
    ["::ffff:a00:1", "10.0.0.0/8 (private) embedded in ::ffff:0:0/96"],
    ["64:ff9b::a9fe:a9fe", "169.254.0.0/16 (link-local) embedded in 64:ff9b::/96"],
    ["64:ff9b:1::1", "64:ff9b:1::/48"],
    ["100::1", "100::/64"],
    ["2001::1", "2001::/23"],
    ["2001:0:4136:e378::1", "2001::/23"],
    ["2001:db8::1", "2001:db8::/32"],
    ["2002:7f00:1::1", "127.0.0.0/8 (loopback) embedded in 2002::/16"],
    ["3fff::1", "3fff::/20"],
    ["fc00::1", "fc00::/7"],
    ["fdff::1", "fc00::/7"],
    ["fe80::1", "fe80::/10"],
    ["ff02::1", "ff00::/8"],
    ["::7f00:1", "not global unicast"],
    ["::ffff:0:7f00:1", "not global unicast"],
    ["4000::1", "not global unicast"],
    ["2606:4700::1%eth0", "zone id"],
  ])("refuses %s (%s)", (address, range) => {
    expect(forbiddenRange(address)).toContain(range);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.128.0.1",
    "172.32.0.1",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450::1",
    "::ffff:808:808",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("allows the public address %s", (address) => {
    expect(forbiddenRange(address)).toBeUndefined();
  });

  it("says so when given a name instead of an address", () => {
    expect(forbiddenRange("example.com")).toBe("not an IP address");
  });
});

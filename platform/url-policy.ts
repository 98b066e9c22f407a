// Which outbound URLs the pipeline may call: data URLs (fetched by Jobs) and callbacks.
import { BlockList, isIP } from "node:net";

/** Loopback, private, link-local, unspecified and carrier-grade NAT ranges, v4 and v6. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, "ipv6");
}

function isPrivateAddress(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, "");
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return false;
  // An IPv4-mapped address (::ffff:10.0.0.1) reaches the IPv4 host it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], "ipv4");
  if (/^::ffff:/i.test(address)) return true;
  return PRIVATE.check(address, "ipv6");
}

/**
 * Why `url` may not be called, or undefined when it may. With `allowInsecure` (local use
 * and tests) anything parseable passes; otherwise only https to a public host name or
 * address, so a request cannot point our Jobs or callbacks at the inside of the network.
 * Names that resolve to private addresses are beyond this check: egress NetworkPolicies
 * cover them on Kubernetes.
 */
export function urlRefusal(url: string, allowInsecure: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (allowInsecure) return undefined;
  if (parsed.protocol !== "https:") return "must use https";
  const host = parsed.hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host)) {
    return "may not point at a private or local address";
  }
  return undefined;
}

// The addresses an outbound call may never reach: IANA special-purpose blocks and everything off the public internet.
import { BlockList, isIP } from "node:net";

/**
 * IPv4 special-purpose blocks (IANA IPv4 Special-Purpose Address Registry, RFC 6890), each
 * with why it is not a public host.
 */
const IPV4: readonly (readonly [string, number, string])[] = [
  ["0.0.0.0", 8, "this network"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay anycast"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
  ["255.255.255.255", 32, "broadcast"],
];

/**
 * IPv6 blocks inside global unicast (2000::/3) that are not public hosts (IANA IPv6
 * Special-Purpose Address Registry). Everything outside 2000::/3 is refused anyway; the
 * well-known outside blocks are listed only to name them in logs.
 */
const IPV6: readonly (readonly [string, number, string])[] = [
  ["2001::", 23, "IETF protocol assignments (Teredo included)"],
  ["2001:db8::", 32, "documentation"],
  ["3fff::", 20, "documentation"],
  ["5f00::", 16, "segment routing"],
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["100::", 64, "discard-only"],
  ["64:ff9b:1::", 48, "local-use NAT64"],
  ["fc00::", 7, "unique local"],
  ["fe80::", 10, "link-local"],
  ["ff00::", 8, "multicast"],
];

/**
 * IPv6 prefixes that carry an IPv4 address, and where: a packet to them reaches (or is
 * translated to) that IPv4 host, so it is checked as one. RFC 4291 (mapped), RFC 6052
 * (NAT64 well-known prefix), RFC 3056 (6to4).
 */
const EMBEDDING: readonly (readonly [string, number, (v4: readonly [string, string]) => string])[] =
  [
    ["::ffff:0:0", 96, ([hi, lo]) => `::ffff:${hi}:${lo}`],
    ["64:ff9b::", 96, ([hi, lo]) => `64:ff9b::${hi}:${lo}`],
    ["2002::", 16, ([hi, lo]) => `2002:${hi}:${lo}::`],
  ];

interface Rule {
  readonly list: BlockList;
  readonly name: string;
}

function rule(
  network: string,
  prefix: number,
  family: "ipv4" | "ipv6",
  name = `${network}/${prefix}`,
): Rule {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, name };
}

/** An IPv4 network as the two 16-bit IPv6 groups that spell it. */
function groups(v4: string): readonly [string, string] {
  const [a, b, c, d] = v4.split(".").map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

const V4_RULES = IPV4.map(([net, prefix, why]) =>
  rule(net, prefix, "ipv4", `${net}/${prefix} (${why})`),
);
/** The IPv4 blocks again, as they appear inside each embedding prefix. */
const EMBEDDED_RULES = EMBEDDING.flatMap(([embedNet, embedPrefix, spell]) =>
  IPV4.map(([net, prefix, why]) =>
    rule(
      spell(groups(net)),
      embedPrefix + prefix,
      "ipv6",
      `${net}/${prefix} (${why}) embedded in ${embedNet}/${embedPrefix}`,
    ),
  ),
);
const V6_RULES = IPV6.map(([net, prefix, why]) =>
  rule(net, prefix, "ipv6", `${net}/${prefix} (${why})`),
);
const EMBEDDINGS = EMBEDDING.map(([net, prefix]) => rule(net, prefix, "ipv6"));
const GLOBAL_UNICAST = rule("2000::", 3, "ipv6");

/**
 * The special-purpose block that `address` (an IP literal, no brackets) falls in, or
 * undefined for a public address. An IPv6 address must be global unicast (2000::/3) outside
 * the special blocks, or embed a public IPv4 address. A string that is not an IP literal is
 * reported as such: callers check only addresses.
 * @example forbiddenRange("10.1.2.3") // "10.0.0.0/8 (private)"
 * @example forbiddenRange("::ffff:7f00:1") // "127.0.0.0/8 (loopback) embedded in ::ffff:0:0/96"
 */
export function forbiddenRange(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return V4_RULES.find((r) => r.list.check(address, "ipv4"))?.name;
  if (family !== 6) return "not an IP address";
  // A zone (fe80::1%eth0) names an interface of this machine: never a public host.
  if (address.includes("%")) return "scoped to an interface (has a zone id)";
  const embedded = EMBEDDED_RULES.find((r) => r.list.check(address, "ipv6"));
  if (embedded) return embedded.name;
  if (EMBEDDINGS.some((r) => r.list.check(address, "ipv6"))) return undefined;
  const special = V6_RULES.find((r) => r.list.check(address, "ipv6"));
  if (special) return special.name;
  if (!GLOBAL_UNICAST.list.check(address, "ipv6")) return "outside 2000::/3 (not global unicast)";
  return undefined;
}

// The client's address: the nearest hop that is not a proxy we trust, read with proxy-addr.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyaddr from "proxy-addr";

/**
 * Whether the hop at `address` (`hop` 0 is the TCP peer, then X-Forwarded-For from right to
 * left) is a proxy whose X-Forwarded-For entries are believed.
 */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** Trusts no proxy: the client is the TCP peer, whatever X-Forwarded-For says. */
export const TRUST_NO_PROXY: ProxyTrust = () => false;

/** The entries of a comma-separated list, trimmed, empty ones dropped. */
function entriesOf(list: string): string[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

const compiled = new Map<string, ProxyTrust>();

/**
 * TRUSTED_PROXIES compiled: comma-separated addresses, CIDR ranges (or `addr/netmask`) and
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`; empty trusts none. IPv4 ranges
 * match IPv4-mapped IPv6 addresses too. Throws a TypeError naming a bad entry, which config
 * reports at boot. Compiled once per distinct list.
 *
 * @example compileTrust("loopback, 10.244.0.0/16")
 */
export function compileTrust(list: string): ProxyTrust {
  let trust = compiled.get(list);
  if (!trust) {
    const entries = entriesOf(list);
    trust = entries.length === 0 ? TRUST_NO_PROXY : proxyaddr.compile(entries);
    compiled.set(list, trust);
  }
  return trust;
}

/** Why TRUSTED_PROXIES is not a list {@link compileTrust} takes, or undefined when it is. */
export function trustListProblem(list: string): string | undefined {
  try {
    compileTrust(list);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The client address of `req`: starting at the TCP peer, the nearest address that `trust`
 * does not trust, walking X-Forwarded-For from its right end (the entry the nearest proxy
 * wrote). Entries left of the first untrusted one are whatever the client claimed, and are
 * never read. IPv4-mapped IPv6 (`::ffff:203.0.113.7`) comes back as IPv4.
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust = TRUST_NO_PROXY): string {
  if (req.socket.remoteAddress === undefined) return "";
  return normaliseAddress(proxyaddr(req, trust) ?? "");
}

/** `::ffff:a.b.c.d` as `a.b.c.d`; IPv6 in lower case; anything else as it is. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  return isIP(address) === 6 ? address.toLowerCase() : address;
}

/** Whether `entry` is one IP address or a CIDR range (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`). */
export function isAddressOrRange(entry: string): boolean {
  const slash = entry.lastIndexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  if (isIP(address) === 0) return false;
  if (slash !== -1 && !/^\d{1,3}$/.test(entry.slice(slash + 1))) return false;
  try {
    proxyaddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * A test of an address against a list of addresses and CIDR ranges (a source's `allowIps`,
 * checked by config with {@link isAddressOrRange}); IPv4 entries match IPv4-mapped IPv6.
 */
export function addressMatcher(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const matches = proxyaddr.compile([...entries]);
  return (address) => isIP(address) !== 0 && matches(address, 0);
}

// An undici connector that resolves a host, checks every address, and connects only to the checked ones.
import { promises as dns, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { buildConnector } from "undici";
import { hostRefusal, normaliseHost, PRIVATE_TARGET } from "../url-policy.ts";
import { forbiddenRange } from "./forbidden-addresses.ts";
import { OutboundRefused } from "./outbound-errors.ts";

/** Every address of a host name, as dns.lookup(name, { all: true }) gives them. */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The system resolver (/etc/hosts, then DNS), in the order it answers. */
export const systemResolve: Resolve = (hostname) =>
  dns.lookup(hostname, { all: true, verbatim: true });

/**
 * Seams for tests, never set from configuration: a test can make a name resolve to a
 * public-looking address that the real checks pass, and still have the socket reach a
 * listener on this machine.
 */
export interface ConnectorSeams {
  /** Resolves host names instead of the system resolver. */
  readonly resolve?: Resolve;
  /** The address a checked address is dialled at instead. */
  readonly dialAs?: (checked: string) => string;
  /** A CA to trust besides the system's, for a test certificate. */
  readonly ca?: ConnectionOptions["ca"];
}

/** How the connector names what it refuses, and its seams. */
export interface ConnectorOptions {
  /** Used in refusals: "data url", "callback". */
  readonly what: string;
  readonly seams?: ConnectorSeams;
}

/**
 * A net `lookup` that answers only with addresses it checked: it resolves the name once,
 * refuses the connection if ANY address is special-purpose (a name that answers both a
 * public and a private address is not trusted with either), and hands the same checked
 * list to the socket, so a second, rebinding answer is never asked for. With `check` false
 * (insecure mode given test seams) it only resolves and dials.
 */
function checkedLookup(what: string, seams: ConnectorSeams, check = true): LookupFunction {
  const resolve = seams.resolve ?? systemResolve;
  const dial = (a: LookupAddress): LookupAddress => {
    const address = seams.dialAs ? seams.dialAs(a.address) : a.address;
    return { address, family: isIP(address) };
  };
  return (hostname, options, callback) => {
    const done = callback as (
      error: Error | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    resolve(hostname).then(
      (answers) => {
        for (const { address } of answers) {
          const range = check ? forbiddenRange(address) : undefined;
          if (range) {
            const detail = `${normaliseHost(hostname)} resolves to ${address}, in ${range}`;
            return done(new OutboundRefused(what, PRIVATE_TARGET, detail), "");
          }
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = answers.map(dial).filter((a) => wanted === 0 || a.family === wanted);
        if (usable.length === 0) {
          const error = Object.assign(new Error(`no usable address for ${hostname}`), {
            code: "ENOTFOUND",
          });
          return done(error, "");
        }
        if (options.all) return done(null, usable);
        return done(null, usable[0].address, usable[0].family);
      },
      (error: Error) => done(error, ""),
    );
  };
}

/**
 * An undici `connect` for strict mode. Address literals are checked here (the socket does
 * not look them up); names go through {@link checkedLookup}. TLS still verifies the
 * certificate against the host name, since the socket's `host` stays the name.
 */
export function checkedConnector(options: ConnectorOptions): buildConnector.connector {
  const seams = options.seams ?? {};
  const base = buildConnector({
    lookup: checkedLookup(options.what, seams),
    ...(seams.ca ? { ca: seams.ca } : {}),
  });
  return (connectOptions, callback) => {
    const host = normaliseHost(connectOptions.hostname);
    const refusal = hostRefusal(host);
    if (refusal) {
      const detail = `${isIP(host) ? "address" : "host"} ${host}: ${refusal}`;
      return callback(new OutboundRefused(options.what, PRIVATE_TARGET, detail), null);
    }
    base(connectOptions, callback);
  };
}

/** The connector of insecure mode (local development, tests): resolve and connect as usual. */
export function plainConnector(options: ConnectorOptions): buildConnector.connector {
  const seams = options.seams ?? {};
  return buildConnector({
    ...(seams.resolve || seams.dialAs ? { lookup: checkedLookup(options.what, seams, false) } : {}),
    ...(seams.ca ? { ca: seams.ca } : {}),
  });
}

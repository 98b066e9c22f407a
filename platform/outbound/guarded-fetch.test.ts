// The SSRF suite: every forbidden spelling, name, redirect and scheme is refused with zero connections to a loopback listener.
import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { PRIVATE_TARGET } from "../url-policy.ts";
import { type ConnectorSeams, checkedConnector, systemResolve } from "./checked-connector.ts";
import { guardedFetch, type OutboundPolicy, outboundError } from "./guarded-fetch.ts";
import { OutboundFailed, OutboundRefused } from "./outbound-errors.ts";
import {
  type CountingListener,
  canEditHosts,
  canMakeCertificates,
  countingListener,
  type HostsAlias,
  hostsAlias,
  testCertificate,
} from "./test-support/outbound-test-kit.ts";

const HOSTS = canEditHosts();
if (!HOSTS) console.warn("guarded-fetch.test.ts: /etc/hosts is not writable, skipping alias tests");
const TLS = canMakeCertificates();
if (!TLS) console.warn("guarded-fetch.test.ts: no openssl command, skipping the https tests");

/** A name the seams resolve to a public-looking address, which is then dialled on loopback. */
const PUBLIC_NAME = "files.example.org";
/** Public (in no special-purpose block), so the real checks pass it; never dialled. */
const PUBLIC_ADDRESS = "93.184.215.14";
const SECRET_BODY = "internal detail: password=hunter2";

const STRICT: OutboundPolicy = {
  what: "data url",
  allowInsecure: false,
  timeoutMs: 5_000,
  maxRedirects: 5,
};
const INSECURE: OutboundPolicy = { ...STRICT, allowInsecure: true };

/** The forbidden side: what an attacker wants reached. Any connection to it fails the suite. */
let inside4: CountingListener;
let inside6: CountingListener | undefined;
/** The "public" first hop, https with a test certificate, reached only through the seams. */
let outside: CountingListener | undefined;
let seams: ConnectorSeams;
let alias: HostsAlias | undefined;

const insideConnections = () => inside4.connections() + (inside6?.connections() ?? 0);
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

beforeAll(async () => {
  inside4 = await countingListener("127.0.0.1", (_req, res) => res.end("inside"));
  inside6 = await countingListener("::1", (_req, res) => res.end("inside")).catch(() => {
    console.warn("guarded-fetch.test.ts: no IPv6 loopback here, [::1] is checked without it");
    return undefined;
  });
  if (HOSTS) alias = hostsAlias("127.0.0.1");
  const certificate = TLS ? testCertificate(tempDir("guarded-fetch-"), PUBLIC_NAME) : undefined;
  if (certificate) {
    outside = await countingListener(
      "127.0.0.1",
      (req, res) => {
        const url = new URL(req.url ?? "/", "https://x");
        if (url.pathname === "/ok") return void res.end("ok");
        if (url.pathname === "/to") {
          return void res.writeHead(302, { location: url.searchParams.get("u") ?? "" }).end();
        }
        if (url.pathname === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
        if (url.pathname === "/error") return void res.writeHead(500).end(SECRET_BODY);
        if (url.pathname === "/stall") return void res.writeHead(200).write("date,open\n");
        res.writeHead(404).end(SECRET_BODY);
      },
      certificate,
    );
  }
  seams = {
    resolve: async (name) =>
      name === PUBLIC_NAME ? [{ address: PUBLIC_ADDRESS, family: 4 }] : systemResolve(name),
    dialAs: (address) => (address === PUBLIC_ADDRESS ? "127.0.0.1" : address),
    ca: certificate?.cert,
  };
});

afterAll(async () => {
  alias?.remove();
  await inside4?.close();
  await inside6?.close();
  await outside?.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Calls `url`, expects a refusal, and proves nothing reached the inside listeners. */
async function refused(url: string, policy: OutboundPolicy = STRICT): Promise<OutboundRefused> {
  const before = insideConnections();
  const error = await rejection(guardedFetch(url, {}, policy));
  await settle();
  expect(insideConnections(), `${url} reached the listener`).toBe(before);
  expect(error).toBeInstanceOf(OutboundRefused);
  return error as OutboundRefused;
}

const strictOutside = (): OutboundPolicy => ({ ...STRICT, seams });
const outsideUrl = (path: string) => `https://${PUBLIC_NAME}:${outside?.port}${path}`;
const redirectTo = (target: string) => outsideUrl(`/to?u=${encodeURIComponent(target)}`);

describe("guardedFetch in strict mode: address literals", () => {
  it.each([
    ["https://127.0.0.1:{v4}/data.csv", "127.0.0.0/8"],
    ["https://127.0.0.1.:{v4}/", "127.0.0.0/8"],
    ["https://127.1:{v4}/", "127.0.0.0/8"],
    ["https://2130706433:{v4}/", "127.0.0.0/8"],
    ["https://0x7f.1:{v4}/", "127.0.0.0/8"],
    ["https://0x7f000001:{v4}/", "127.0.0.0/8"],
    ["https://017700000001:{v4}/", "127.0.0.0/8"],
    ["https://0.0.0.0:{v4}/", "0.0.0.0/8"],
    ["https://0:{v4}/", "0.0.0.0/8"],
    ["https://[::1]:{v6}/", "::1/128"],
    ["https://[::]:{v6}/", "::/128"],
    ["https://[::ffff:127.0.0.1]:{v4}/", "embedded in ::ffff:0:0/96"],
    ["https://[::ffff:7f00:1]:{v4}/", "embedded in ::ffff:0:0/96"],
    ["https://[0:0:0:0:0:ffff:7f00:1]:{v4}/", "embedded in ::ffff:0:0/96"],
    ["https://[::127.0.0.1]:{v4}/", "not global unicast"],
    ["https://[64:ff9b::127.0.0.1]:{v4}/", "embedded in 64:ff9b::/96"],
    ["https://[2002:7f00:1::]:{v4}/", "embedded in 2002::/16"],
    ["https://[2001::1]/", "2001::/23"],
    ["https://[fd12::1]/", "fc00::/7"],
    ["https://[fe80::1]/", "fe80::/10"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.0.0/16"],
    ["https://10.0.0.1/", "10.0.0.0/8"],
    ["https://100.100.100.200/", "100.64.0.0/10"],
  ])("refuses %s (%s)", async (template, range) => {
    const url = template
      .replace("{v4}", String(inside4.port))
      .replace("{v6}", String(inside6?.port ?? inside4.port));
    const error = await refused(url);
    expect(error.publicMessage).toBe(`data url refused: ${PRIVATE_TARGET}`);
    expect(error.message).toContain(range);
  });

  it.each([
    "https://localhost:{v4}/",
    "https://localhost.:{v4}/",
    "https://LOCALHOST..:{v4}/",
    "https://api.localhost:{v4}/",
  ])("refuses %s by name, before any lookup", async (template) => {
    const error = await refused(template.replace("{v4}", String(inside4.port)));
    expect(error.reason).toBe(PRIVATE_TARGET);
    expect(error.message).toMatch(/localhost/);
  });

  it("refuses a literal at the connector too, should a URL reach it unchecked", async () => {
    const error = await new Promise<Error | null>((resolve) => {
      checkedConnector({ what: "data url" })(
        { hostname: "127.0.0.1", protocol: "https:", port: String(inside4.port) },
        (...args) => resolve(args[0]),
      );
    });
    await settle();
    expect(error).toBeInstanceOf(OutboundRefused);
    expect(insideConnections()).toBe(0);
  });
});

describe("guardedFetch in strict mode: names that resolve inside", () => {
  it.skipIf(!HOSTS)(
    "refuses a public-looking name that /etc/hosts resolves to loopback, with any spelling",
    async () => {
      const name = alias?.name ?? "";
      for (const host of [name, `${name}.`, name.toUpperCase()]) {
        const error = await refused(`https://${host}:${inside4.port}/data.csv`);
        expect(error.publicMessage).toBe(`data url refused: ${PRIVATE_TARGET}`);
        // The address goes to the logs, never to the requester.
        expect(error.message).toContain("resolves to 127.0.0.1");
        expect(error.publicMessage).not.toContain("127.0.0.1");
      }
    },
  );

  it("refuses a name when any one of its addresses is private", async () => {
    const mixed: ConnectorSeams = {
      resolve: async (): Promise<LookupAddress[]> => [
        { address: PUBLIC_ADDRESS, family: 4 },
        { address: "10.1.2.3", family: 4 },
      ],
      dialAs: () => "127.0.0.1",
    };
    const error = await refused(`https://mixed.example.org:${inside4.port}/`, {
      ...STRICT,
      seams: mixed,
    });
    expect(error.message).toContain("10.0.0.0/8");
  });

  it.skipIf(!TLS)(
    "resolves once and connects to the checked answer, so a rebinding second answer is never used",
    async () => {
      let lookups = 0;
      const rebinding: ConnectorSeams = {
        ...seams,
        resolve: async () => {
          lookups++;
          return [{ address: lookups === 1 ? PUBLIC_ADDRESS : "127.0.0.1", family: 4 }];
        },
      };
      const response = await guardedFetch(outsideUrl("/ok"), {}, { ...STRICT, seams: rebinding });
      expect(await response.text()).toBe("ok");
      expect(lookups).toBe(1);
      expect(insideConnections()).toBe(0);
    },
  );
});

describe("guardedFetch: schemes and credentials", () => {
  it.each([
    "file:///etc/passwd",
    "data:text/csv,date,open",
    "ftp://files.example.org/data.csv",
    "javascript:alert(1)",
  ])("refuses %s, even when insecure URLs are allowed", async (url) => {
    for (const policy of [STRICT, INSECURE]) {
      expect((await refused(url, policy)).publicMessage).toBe(
        "data url refused: must use http or https",
      );
    }
  });

  it("refuses http in strict mode", async () => {
    const error = await refused(`http://${PUBLIC_NAME}/data.csv`, strictOutside());
    expect(error.publicMessage).toBe("data url refused: must use https");
  });

  it("refuses a user name or password in the URL, and does not echo them", async () => {
    const error = await refused(`https://admin:s3cret@${PUBLIC_NAME}/`, strictOutside());
    expect(error.reason).toBe("may not contain a user name or password");
    expect(`${error.message} ${error.publicMessage}`).not.toContain("s3cret");
  });
});

describe("guardedFetch in strict mode: redirects", () => {
  it.skipIf(!TLS)("follows a redirect to an allowed URL, checking each hop", async () => {
    const response = await guardedFetch(redirectTo(outsideUrl("/ok")), {}, strictOutside());
    expect(await response.text()).toBe("ok");
  });

  it.skipIf(!TLS).each([
    [
      "https://127.0.0.1:{v4}/",
      "redirected to a URL that may not point at a private or local address",
    ],
    [
      "https://[::ffff:7f00:1]:{v4}/",
      "redirected to a URL that may not point at a private or local address",
    ],
    [
      "https://localhost.:{v4}/",
      "redirected to a URL that may not point at a private or local address",
    ],
    ["http://127.0.0.1:{v4}/", "may not redirect from https to http"],
    ["file:///etc/passwd", "redirected to a URL that must use http or https"],
  ])("refuses a redirect to %s", async (template, reason) => {
    const error = await refused(
      redirectTo(template.replace("{v4}", String(inside4.port))),
      strictOutside(),
    );
    expect(error.reason).toBe(reason);
  });

  it.skipIf(!TLS || !HOSTS)(
    "refuses a redirect to a name that resolves to loopback, at connect",
    async () => {
      const error = await refused(
        redirectTo(`https://${alias?.name}:${inside4.port}/`),
        strictOutside(),
      );
      expect(error.reason).toBe(PRIVATE_TARGET);
      expect(error.message).toContain("resolves to 127.0.0.1");
    },
  );

  it.skipIf(!TLS)("refuses https to http even to a public host", async () => {
    const error = await refused(redirectTo(`http://${PUBLIC_NAME}/ok`), {
      ...strictOutside(),
      allowInsecure: true,
    });
    expect(error.reason).toBe("may not redirect from https to http");
  });

  it.skipIf(!TLS)("stops after maxRedirects", async () => {
    const error = await rejection(
      guardedFetch(outsideUrl("/loop"), {}, { ...strictOutside(), maxRedirects: 3 }),
    );
    expect(error).toBeInstanceOf(OutboundFailed);
    expect((error as OutboundFailed).publicMessage).toBe("data url: more than 3 redirects");
  });

  it.skipIf(!TLS)(
    "treats any 3xx to a POST with maxRedirects 0 (callbacks) as a failure",
    async () => {
      const policy = { ...strictOutside(), what: "callback", maxRedirects: 0 };
      const error = await rejection(
        guardedFetch(redirectTo(outsideUrl("/ok")), { method: "POST", body: "{}" }, policy),
      );
      expect(error).toBeInstanceOf(OutboundFailed);
      expect((error as OutboundFailed).kind).toBe("redirect");
      expect((error as OutboundFailed).publicMessage).toBe(
        "callback: the server answered with a redirect, which is not followed",
      );
    },
  );
});

describe("guardedFetch: what errors say", () => {
  it.skipIf(!TLS)(
    "names the class of an HTTP error, never the body or the exact status",
    async () => {
      const error = await rejection(guardedFetch(outsideUrl("/error"), {}, strictOutside()));
      expect(error).toBeInstanceOf(OutboundFailed);
      const failed = error as OutboundFailed;
      expect([failed.kind, failed.status]).toEqual(["http", 500]);
      expect(failed.publicMessage).toBe("data url: the server answered with an error (HTTP 5xx)");
      expect(`${failed.message} ${failed.publicMessage}`).not.toContain("hunter2");
    },
  );

  it.skipIf(!TLS)("times out the whole exchange, body included", async () => {
    const policy = { ...strictOutside(), timeoutMs: 300 };
    const response = await guardedFetch(outsideUrl("/stall"), {}, policy);
    const error = await rejection(response.text());
    expect(outboundError(error, policy).publicMessage).toBe("data url: timed out after 300 ms");
  });

  it("says a connection failed without naming the address", async () => {
    const closed = await countingListener("127.0.0.1", (_req, res) => res.end());
    await closed.close();
    const error = await rejection(guardedFetch(`http://127.0.0.1:${closed.port}/`, {}, INSECURE));
    expect(error).toBeInstanceOf(OutboundFailed);
    expect((error as OutboundFailed).publicMessage).toBe("data url: connection failed");
    expect((error as OutboundFailed).message).toContain("ECONNREFUSED");
  });
});

describe("guardedFetch in insecure mode (local development)", () => {
  it("reaches a loopback listener over http", async () => {
    const before = inside4.connections();
    const response = await guardedFetch(`http://127.0.0.1:${inside4.port}/`, {}, INSECURE);
    expect(await response.text()).toBe("inside");
    expect(inside4.connections()).toBe(before + 1);
  });
});

describe("the suite itself", () => {
  // Last in the file: every forbidden case above left the inside listeners untouched,
  // except the one insecure-mode call that must reach them.
  it("saw exactly one connection inside, the insecure-mode one", () => {
    expect(insideConnections()).toBe(1);
  });
});

// Listeners that count every TCP connection, a throwaway TLS certificate, and an /etc/hosts alias, for SSRF tests.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** A listener on this machine that counts the TCP connections it accepted. */
export interface CountingListener {
  readonly port: number;
  /** TCP connections accepted so far, whatever was (or was not) sent on them. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** A throwaway self-signed certificate and its key, PEM. */
export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * Listens on `host` (127.0.0.1, ::1, ...) at a free port, over TLS when `tls` is given.
 * Counts connections at accept, so even a client that gives up before sending a request
 * (or fails the TLS handshake) is counted.
 */
export async function countingListener(
  host: string,
  handler: RequestListener,
  tls?: TestCertificate,
): Promise<CountingListener> {
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  let connections = 0;
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether the openssl command is here to make test certificates. */
export function canMakeCertificates(): boolean {
  return spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;
}

/**
 * A self-signed certificate for `name`, made with the openssl command in `dir`; undefined
 * when openssl is not installed.
 */
export function testCertificate(dir: string, name: string): TestCertificate | undefined {
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        ...["-nodes", "-days", "1", "-keyout", key, "-out", cert],
        ...["-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`],
      ],
      { stdio: "ignore" },
    );
  } catch {
    return undefined;
  }
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

const HOSTS = "/etc/hosts";

/** A name that the system resolver answers from /etc/hosts. */
export interface HostsAlias {
  readonly name: string;
  remove(): void;
}

/** Whether this process may write /etc/hosts (root in CI and in the dev container). */
export function canEditHosts(): boolean {
  try {
    accessSync(HOSTS, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Adds `address  <random>.example.net` to /etc/hosts (the tests run as root in CI and in
 * the dev container), so a public-looking name resolves to `address` through the real
 * resolver. Undefined when /etc/hosts cannot be written. `remove` takes the line out again.
 */
export function hostsAlias(address: string): HostsAlias | undefined {
  const name = `ssrf-${randomBytes(4).toString("hex")}.example.net`;
  const marker = `# zixly outbound test ${name}`;
  try {
    const before = readFileSync(HOSTS, "utf8");
    writeFileSync(HOSTS, `${before.replace(/\n?$/, "\n")}${address} ${name} ${marker}\n`);
  } catch {
    return undefined;
  }
  return {
    name,
    remove: () => {
      const now = readFileSync(HOSTS, "utf8");
      writeFileSync(
        HOSTS,
        now
          .split("\n")
          .filter((line) => !line.includes(marker))
          .join("\n"),
      );
    },
  };
}

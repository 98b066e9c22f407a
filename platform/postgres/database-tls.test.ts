// DATABASE_CA_FILE against a real Postgres that speaks TLS only: its own CA is trusted, nothing else.
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findExecutable } from "../../fault/harness/executables.ts";
import { postgresTools } from "../../fault/harness/postgres-server.ts";
import { freePort } from "../../test-support/free-port.ts";
import { loadConfig } from "../config.ts";
import { openDatabase } from "./database.ts";
import { databaseOptionsFrom } from "./database-options.ts";

const run = promisify(execFile);
const tools = postgresTools();
const openssl = findExecutable("openssl");
const why =
  typeof tools === "string"
    ? tools
    : openssl
      ? undefined
      : "openssl is missing to make certificates";
const TITLE = `Postgres over TLS with DATABASE_CA_FILE${why ? ` (skipped: ${why})` : ""}`;
if (why) process.stderr.write(`${TITLE}\n`);

/** A CA and a leaf it signs for `names` (subjectAltName entries), as PEM files in `dir`. */
async function certificates(dir: string, prefix: string, names: string): Promise<void> {
  const ssl = (args: string[]) => run(openssl as string, args, { cwd: dir });
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${prefix} test CA`,
    "-keyout",
    `${prefix}-ca.key`,
    "-out",
    `${prefix}-ca.pem`,
  ]);
  await ssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    `${prefix}-server.key`,
    "-out",
    `${prefix}-server.csr`,
  ]);
  writeFileSync(join(dir, `${prefix}-ext.cnf`), `subjectAltName=${names}\n`);
  await ssl([
    "x509",
    "-req",
    "-in",
    `${prefix}-server.csr`,
    "-CA",
    `${prefix}-ca.pem`,
    "-CAkey",
    `${prefix}-ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${prefix}-ext.cnf`,
    "-out",
    `${prefix}-server.pem`,
  ]);
}

describe.skipIf(why !== undefined)(TITLE, () => {
  const dir = mkdtempSync(join(tmpdir(), "zixly-pg-tls-"));
  const data = join(dir, "data");
  let port = 0;
  let started = false;
  const pg = (name: string, args: string[]) => {
    if (typeof tools === "string") throw new Error(tools);
    const [file, ...prefix] = [...tools.asUser, join(tools.bin, name)];
    return run(file as string, [...prefix, ...args], {
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? "", LC_ALL: "C" },
    });
  };

  beforeAll(async () => {
    if (typeof tools === "string") return;
    // The server's certificate names localhost only, so connecting by 127.0.0.1 must fail.
    await certificates(dir, "server", "DNS:localhost");
    await certificates(dir, "stranger", "DNS:localhost");
    chmodSync(join(dir, "server-server.key"), 0o600);
    if (tools.owner) {
      chownSync(dir, tools.owner.uid, tools.owner.gid);
      chownSync(join(dir, "server-server.key"), tools.owner.uid, tools.owner.gid);
    }
    port = await freePort();
    await pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--no-locale"]);
    // TLS or nothing: a plain connection finds no pg_hba line.
    writeFileSync(join(data, "pg_hba.conf"), "hostssl all all 127.0.0.1/32 trust\n");
    if (tools.owner) chownSync(join(data, "pg_hba.conf"), tools.owner.uid, tools.owner.gid);
    const options = [
      "-c listen_addresses=127.0.0.1",
      `-p ${port}`,
      `-c unix_socket_directories=${dir}`,
      "-c ssl=on",
      `-c ssl_cert_file=${join(dir, "server-server.pem")}`,
      `-c ssl_key_file=${join(dir, "server-server.key")}`,
    ].join(" ");
    await pg("pg_ctl", [
      "start",
      "-D",
      data,
      "-w",
      "-t",
      "60",
      "-l",
      join(dir, "log"),
      "-o",
      options,
    ]);
    started = true;
  }, 120_000);

  afterAll(async () => {
    if (started) await pg("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Opens the database as a function would from `env`, and asks whether the session is TLS. */
  async function sessionIsTls(env: Record<string, string>): Promise<boolean> {
    const options = databaseOptionsFrom(loadConfig(env));
    const { db, close } = await openDatabase(options);
    try {
      const { rows } = await sql<{ ssl: boolean }>`
        select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
      return rows[0]?.ssl === true;
    } finally {
      await close();
    }
  }

  const url = (host: string, query = "?sslmode=require") =>
    `postgres://postgres@${host}:${port}/postgres${query}`;

  it("connects over verified TLS with the server's CA bundle, as the EKS overlay mounts it", async () => {
    const env = { DATABASE_URL: url("localhost"), DATABASE_CA_FILE: join(dir, "server-ca.pem") };
    expect(await sessionIsTls(env)).toBe(true);
    // The same with no sslmode at all: the bundle alone turns TLS on.
    expect(await sessionIsTls({ ...env, DATABASE_URL: url("localhost", "") })).toBe(true);
  });

  it("regression: sslmode=require alone fails, as on RDS, since Node does not trust that CA", async () => {
    await expect(sessionIsTls({ DATABASE_URL: url("localhost") })).rejects.toThrow(
      /self[- ]signed|unable to (get|verify)/i,
    );
  });

  it("refuses a server whose certificate another CA signed, or that names another host", async () => {
    await expect(
      sessionIsTls({
        DATABASE_URL: url("localhost"),
        DATABASE_CA_FILE: join(dir, "stranger-ca.pem"),
      }),
    ).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    await expect(
      sessionIsTls({
        DATABASE_URL: url("127.0.0.1"),
        DATABASE_CA_FILE: join(dir, "server-ca.pem"),
      }),
    ).rejects.toThrow(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
  });
});

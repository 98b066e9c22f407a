// DATABASE_PASSWORD_FILE against a real Postgres with scram-sha-256: a rotated password reaches new connections, no reopen.
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresTools } from "../../fault/harness/postgres-server.ts";
import { freePort } from "../../test-support/free-port.ts";
import { loadConfig } from "../config.ts";
import { databaseOptionsFrom } from "./database-options.ts";
import { PostgresRunStore } from "./postgres-run-store.ts";

const run = promisify(execFile);
const tools = postgresTools();
const why = typeof tools === "string" ? tools : undefined;
const TITLE = `regression: an RDS password rotation locked every new connection out until a restart (issue 11)${why ? ` (skipped: ${why})` : ""}`;
if (why) process.stderr.write(`${TITLE}\n`);

/** Passwords with what a URL or a shell would mangle, and that RDS may generate. */
const PASSWORDS = ["first:pw/with@signs", "second pw%20 'quoted'", "third\\pw#"] as const;
const ROLE = "zixly";

describe.skipIf(why !== undefined)(TITLE, () => {
  const dir = mkdtempSync(join(tmpdir(), "zixly-pg-password-"));
  const data = join(dir, "data");
  const passwordFile = join(dir, "password");
  let port = 0;
  let started = false;
  let admin: pg.Client | undefined;
  let store: PostgresRunStore | undefined;
  const pgTool = (name: string, args: string[]) => {
    if (typeof tools === "string") throw new Error(tools);
    const [file, ...prefix] = [...tools.asUser, join(tools.bin, name)];
    return run(file as string, [...prefix, ...args], {
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? "", LC_ALL: "C" },
    });
  };
  /** What the kubelet does to a mounted Secret, with the newline an ESO template may end with. */
  const writePasswordFile = (password: string) => writeFileSync(passwordFile, `${password}\n`);

  /** RDS's rotation: the role's password changes; sessions that are open stay open. */
  async function rotateTo(password: string): Promise<void> {
    const client = admin as pg.Client;
    await client.query("set password_encryption = 'scram-sha-256'");
    await client.query(`alter role ${ROLE} password ${client.escapeLiteral(password)}`);
  }

  /**
   * Ends the store's sessions, as an idle timeout or a failover would, so its pool must open
   * a new connection, and waits until the server has let them go. Returns their pids.
   */
  async function endSessions(): Promise<number[]> {
    const client = admin as pg.Client;
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where usename = $1",
      [ROLE],
    );
    await client.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where usename = $1",
      [ROLE],
    );
    for (let i = 0; i < 100; i++) {
      const left = await client.query("select 1 from pg_stat_activity where usename = $1", [ROLE]);
      if (left.rowCount === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The pool hears of the end on its idle client's socket; give that event its turn.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return rows.map((r) => r.pid);
  }

  async function sessionPids(): Promise<number[]> {
    const { rows } = await (admin as pg.Client).query<{ pid: number }>(
      "select pid from pg_stat_activity where usename = $1",
      [ROLE],
    );
    return rows.map((r) => r.pid);
  }

  /** A real query of the run store: rejects when its connection cannot be opened. */
  const query = () => (store as PostgresRunStore).getRun("no-such-run");

  beforeAll(async () => {
    if (typeof tools === "string") return;
    if (tools.owner) chownSync(dir, tools.owner.uid, tools.owner.gid);
    port = await freePort();
    await pgTool("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "--no-locale",
    ]);
    // The superuser stands in for the RDS control plane; the functions' role needs its password.
    writeFileSync(
      join(data, "pg_hba.conf"),
      [
        `host all ${ROLE} 127.0.0.1/32 scram-sha-256`,
        "host all postgres 127.0.0.1/32 trust",
        "local all postgres trust",
        "",
      ].join("\n"),
    );
    if (tools.owner) chownSync(join(data, "pg_hba.conf"), tools.owner.uid, tools.owner.gid);
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir}`;
    await pgTool("pg_ctl", [
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
    admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query(`create role ${ROLE} login`);
    await rotateTo(PASSWORDS[0]);
    await admin.query(`create database ${ROLE} owner ${ROLE}`);
    writePasswordFile(PASSWORDS[0]);

    const config = loadConfig({
      DATABASE_URL: `postgres://${ROLE}@127.0.0.1:${port}/${ROLE}`,
      DATABASE_PASSWORD_FILE: passwordFile,
      // One connection, so that ending it leaves the pool none to reuse.
      DATABASE_POOL_MAX: "1",
    });
    store = await PostgresRunStore.open(databaseOptionsFrom(config));
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    if (started) await pgTool("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("opens with the file's password, and after a rotation the same store reconnects with the new one", async () => {
    expect(await query()).toBeUndefined();

    await rotateTo(PASSWORDS[1]);
    writePasswordFile(PASSWORDS[1]);
    // RDS ends no session on rotation: the open connection goes on serving.
    const before = await sessionPids();
    expect(before).toHaveLength(1);
    expect(await query()).toBeUndefined();
    expect(await sessionPids()).toEqual(before);

    expect(await endSessions()).toEqual(before);
    // The bug: a password read once at start, the pool's next connection failed for good.
    expect(await query()).toBeUndefined();
    const after = await sessionPids();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it("rejects queries while the file is stale or missing, crashing nothing, and recovers on its own once it is updated", async () => {
    const stderr = vi.spyOn(process.stderr, "write");
    try {
      // Rotated before the kubelet has refreshed the Secret: the file still holds the old one.
      await rotateTo(PASSWORDS[2]);
      await endSessions();
      await expect(query()).rejects.toThrow(/password authentication failed for user "zixly"/);
      await expect(query()).rejects.toThrow(/password authentication failed/);

      // The kubelet swaps the Secret's files: for a moment the name resolves to nothing.
      unlinkSync(passwordFile);
      await expect(query()).rejects.toThrow(
        `DATABASE_PASSWORD_FILE: cannot read ${passwordFile} (ENOENT)`,
      );

      writePasswordFile(PASSWORDS[2]);
      expect(await query()).toBeUndefined();
      expect(await sessionPids()).toHaveLength(1);

      // Whatever was logged on the way names the file, never a password.
      const written = stderr.mock.calls.map((call) => String(call[0])).join("");
      for (const password of PASSWORDS) expect(written).not.toContain(password);
    } finally {
      stderr.mockRestore();
    }
  });
});

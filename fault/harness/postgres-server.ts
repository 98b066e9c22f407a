// A Postgres of the test's own: initdb in a temp folder, a free port on 127.0.0.1, pg_ctl to stop and start it.
import { execFile, execFileSync } from "node:child_process";
import { chownSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../test-support/free-port.ts";
import type { Cleanup } from "./cleanup.ts";
import { findExecutable, findPostgresBin } from "./executables.ts";

const run = promisify(execFile);

/** How the binaries are run: directly, or as the postgres user when we are root. */
interface PostgresTools {
  readonly bin: string;
  /** Prefix of every command: `runuser -u postgres --` as root, nothing otherwise. */
  readonly asUser: readonly string[];
  /** Owner to give the data folder, when we are root. */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/** The tools, or why server mode cannot run here (for the skip message). */
export function postgresTools(): PostgresTools | string {
  const bin = findPostgresBin();
  if (!bin) return "no Postgres server binaries under /usr/lib/postgresql/<version>/bin";
  if (process.getuid?.() !== 0) return { bin, asUser: [] };
  // initdb and postgres refuse to run as root.
  const runuser = findExecutable("runuser");
  if (!runuser) return "running as root, and runuser is missing to run Postgres as postgres";
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { bin, asUser: [runuser, "-u", "postgres", "--"], owner: { uid, gid } };
  } catch {
    return "running as root, and there is no postgres user to run Postgres as";
  }
}

/** A running (or stopped) test Postgres. */
export interface PostgresServer {
  readonly port: number;
  /** Superuser URL of database `database` (default `postgres`). */
  url(database?: string): string;
  /** `pg_ctl stop`; `fast` ends sessions cleanly, `immediate` is a crash (recovery on start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Creates an empty database for one scenario. */
  createDatabase(name: string): Promise<string>;
  readonly running: boolean;
  /** Stops it (immediately) if running; the folder goes with the cleanup's temp folders. */
  destroy(): Promise<void>;
}

/**
 * Starts a fresh cluster: trust authentication, listening on 127.0.0.1 only, its socket in
 * its own folder. Registers its stop with `cleanup` before it starts, so a failed start
 * still leaves nothing running.
 */
export async function startPostgres(cleanup: Cleanup): Promise<PostgresServer> {
  const tools = postgresTools();
  if (typeof tools === "string") throw new Error(`cannot start Postgres: ${tools}`);
  const dir = cleanup.tempDir("postgres");
  if (tools.owner) chownSync(dir, tools.owner.uid, tools.owner.gid);
  const data = join(dir, "data");
  const port = await freePort();
  const command = (name: string, args: string[]) => {
    const [file, ...prefix] = [...tools.asUser, join(tools.bin, name)];
    return { file: file!, args: [...prefix, ...args] };
  };
  const exec = async (name: string, args: string[]) => {
    const { file, args: all } = command(name, args);
    try {
      await run(file, all, { timeout: 90_000, env: { PATH: process.env.PATH ?? "", LC_ALL: "C" } });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `${name} ${args[0]} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      );
    }
  };
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir}`;
  let running = false;
  const stopNow = (mode: "fast" | "immediate") =>
    exec("pg_ctl", ["stop", "-D", data, "-m", mode, "-w", "-t", "60"]);
  cleanup.add(
    `stop Postgres on port ${port}`,
    async () => {
      if (running) await stopNow("immediate");
      running = false;
    },
    () => {
      if (!running) return;
      const { file, args } = command("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
      execFileSync(file, args, { stdio: "ignore", timeout: 30_000 });
    },
  );

  await exec("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  const start = async () => {
    await exec("pg_ctl", [
      "start",
      "-D",
      data,
      "-w",
      "-t",
      "60",
      "-l",
      join(dir, "server.log"),
      "-o",
      options,
    ]);
    running = true;
  };
  await start();

  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    get running() {
      return running;
    },
    async stop(mode = "fast") {
      await stopNow(mode);
      running = false;
    },
    start,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async destroy() {
      if (running) await stopNow("immediate");
      running = false;
    },
  };
}

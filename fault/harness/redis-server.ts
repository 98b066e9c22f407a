// A Redis of the test's own: redis-server as a child on a free port, without persistence.
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../test-support/free-port.ts";
import type { Cleanup } from "./cleanup.ts";
import { findExecutable } from "./executables.ts";
import { LineRing } from "./ring-buffer.ts";
import { until } from "./wait.ts";

/** A running (or stopped) test Redis. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** Stops the server; with `--save ""` its data is gone, as after a real restart without persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** Its recent output, for a failure report. */
  output(): string;
}

/** The redis-server binary, or why there is none (for the skip message). */
export function redisTools(): string | { readonly bin: string } {
  const bin = findExecutable("redis-server");
  return bin ? { bin } : "redis-server is not on PATH";
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `redis-server --port <free> --bind 127.0.0.1 --save "" --appendonly no`. */
export async function startRedis(cleanup: Cleanup): Promise<RedisServer> {
  const tools = redisTools();
  if (typeof tools === "string") throw new Error(`cannot start Redis: ${tools}`);
  const port = await freePort();
  const log = new LineRing(200);
  let child: ChildProcess | undefined;

  const stop = async () => {
    const current = child;
    if (!current) return;
    child = undefined;
    current.kill("SIGTERM");
    const gone = await Promise.race([
      exited(current).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!gone) {
      current.kill("SIGKILL");
      await exited(current);
    }
  };
  cleanup.add(`stop Redis on port ${port}`, stop, () => child?.kill("SIGKILL"));

  const start = async () => {
    if (child) return;
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    const started = spawn(tools.bin, [...args, "--daemonize", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    let ready = false;
    started.stdout?.setEncoding("utf8");
    started.stderr?.setEncoding("utf8");
    started.stdout?.on("data", (text: string) => {
      log.push("redis", text);
      if (text.includes("Ready to accept connections")) ready = true;
    });
    started.stderr?.on("data", (text: string) => log.push("redis-err", text));
    const ok = await until(() => ready || started.exitCode !== null, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    if (!ok || !ready) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}:\n${log.text()}`);
    }
  };
  await start();

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    destroy: stop,
    output: () => log.text(),
  };
}

// A server under test as a child process (`node --import tsx <entry>`) on a free port, its stderr kept.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../free-port.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** What a child needs from the test's environment to run at all; no configuration leaks in. */
const INHERITED = ["PATH", "HOME", "TMPDIR", "TZ", "LANG"];
/** A readiness answer slower than this means the process is still busy starting. */
const SETTLED_MS = 250;

/** A running child: its port, its stderr so far, whether it is alive, and how to end it. */
export interface ServerProcess {
  readonly port: number;
  readonly stderr: () => string;
  readonly alive: () => boolean;
  /** SIGKILLs the child's whole process group (it and any Job it started). */
  kill(): Promise<void>;
}

/**
 * Starts `entry` (relative to the repository) with `env` and PORT set to a free port, and
 * resolves once `GET /readyz` has answered 200, promptly, five times in a row. The child leads a process group of its own, so
 * that kill() also ends the Jobs the stack starts.
 */
export async function startServer(
  entry: string,
  env: Readonly<Record<string, string>>,
  readyWithinMs = 90_000,
): Promise<ServerProcess> {
  const port = await freePort();
  const inherited: Record<string, string> = {};
  for (const key of INHERITED)
    if (process.env[key] !== undefined) inherited[key] = process.env[key];
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: REPO,
    env: { ...inherited, ...env, PORT: String(port) },
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // ESRCH: the group is gone already.
    }
    if (alive()) await exited;
  };
  const deadline = Date.now() + readyWithinMs;
  let quick = 0;
  while (alive() && Date.now() < deadline) {
    const asked = performance.now();
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );
    // Ready, and answering at once five times in a row: what a process does in the background
    // after it says ready (serve.ts opens PGlite then, blocking for seconds) is over.
    quick = status === 200 && performance.now() - asked < SETTLED_MS ? quick + 1 : 0;
    if (quick === 5) return { port, stderr: () => stderr, alive, kill };
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = alive() ? `was not ready within ${readyWithinMs} ms` : "exited before it was ready";
  await kill();
  throw new Error(`${entry} ${why}:\n${stderr.slice(-3000)}`);
}

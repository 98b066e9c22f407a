// The real stack as a child process (`node --import tsx stack/main.ts`): start, signal, restart, inspect its Jobs.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Cleanup } from "./cleanup.ts";
import { type JobProcess, jobChildrenOf, jobsInGroup } from "./proc-table.ts";
import { LineRing } from "./ring-buffer.ts";
import { until } from "./wait.ts";

/** The repository root: the stack runs from source there, as `npm start` runs it. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Variables of the test's environment a stack needs to run at all; no configuration leaks in. */
const INHERITED_ENV = ["PATH", "HOME", "TMPDIR", "TZ", "LANG", "NODE_EXTRA_CA_CERTS"];

const BANNER = /POST (http:\/\/localhost:\d+)\/webhooks\/backtest/;

/** How one stack process ended. */
export interface StackExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StackOptions {
  /** Kept across restarts: the PGlite folder in embedded mode, the webhook secret file. */
  readonly dataHome: string;
  /** More configuration, e.g. DATABASE_URL and REDIS_URL in server mode, JOB_CONCURRENCY. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the banner may take (a fresh PGlite folder on a busy machine is slow). */
  readonly bootTimeoutMs?: number;
}

/** A signed-webhook secret in the Standard Webhooks format. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/**
 * One stack, restartable on the same DATA_HOME and databases. It is spawned `detached`, so it
 * leads a process group of its own that its Job children inherit: the group is how the
 * suite finds and kills Jobs that outlive the stack (docs/decisions/0026-fault-injection-suite.md).
 */
export class FaultStack {
  readonly secret = newSecret();
  readonly #options: StackOptions;
  readonly #log = new LineRing();
  #child: ChildProcess | undefined;
  #exit: Promise<StackExit> | undefined;
  #lastExit: StackExit | undefined;
  #url = "";
  #starts = 0;

  private constructor(options: StackOptions) {
    this.#options = options;
  }

  /** Starts a stack and waits for its banner; registers its teardown with `cleanup` first. */
  static async start(options: StackOptions, cleanup: Cleanup): Promise<FaultStack> {
    const stack = new FaultStack(options);
    cleanup.add(
      "kill the stack and its Jobs",
      () => stack.destroy(),
      () => stack.#killGroup("SIGKILL"),
    );
    await stack.#spawn();
    return stack;
  }

  /** Base URL of the running incarnation (the port changes on restart: PORT=0). */
  get url(): string {
    return this.#url;
  }

  /** Process id of the running incarnation; also the id of its process group. */
  get pid(): number {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error("the stack has no process");
    return pid;
  }

  get dataHome(): string {
    return this.#options.dataHome;
  }

  /** How the last incarnation ended, once one has. */
  get lastExit(): StackExit | undefined {
    return this.#lastExit;
  }

  /** Whether the current incarnation is still alive. */
  get alive(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async #spawn(): Promise<void> {
    this.#starts++;
    this.#log.add(`--- start #${this.#starts} at ${new Date().toISOString()} ---`);
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, {
      PORT: "0",
      DATA_HOME: this.#options.dataHome,
      WEBHOOK_SECRET: this.secret,
      LOG_LEVEL: "info",
      // Blank means unset: embedded mode unless the scenario names its servers.
      DATABASE_URL: "",
      REDIS_URL: "",
      // The suite sends bursts; a 429 would hide the fault being measured.
      RATE_LIMIT_PER_MINUTE: "100000",
      // Ends of scenarios stop the stack; a short grace keeps the suite inside its budget.
      SHUTDOWN_GRACE_SECONDS: "5",
      ...this.#options.env,
    });
    const child = spawn(process.execPath, ["--import", "tsx", "stack/main.ts"], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    this.#exit = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#log.add(`--- exit: code ${code}, signal ${signal} ---`);
        this.#lastExit = { code, signal };
        resolve(this.#lastExit);
      });
    });
    let stdout = "";
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (text: string) => {
      if (!this.#url) stdout += text;
      this.#log.push("out", text);
    });
    child.stderr?.on("data", (text: string) => this.#log.push("err", text));
    this.#url = "";
    const url = await until(() => BANNER.exec(stdout)?.[1] ?? (this.alive ? undefined : "exited"), {
      timeoutMs: this.#options.bootTimeoutMs ?? 120_000,
      intervalMs: 50,
    });
    if (!url || url === "exited") {
      this.#killGroup("SIGKILL");
      throw new Error(
        `the stack ${url === "exited" ? "exited" : "showed no banner"} during start #${this.#starts}:\n${this.output()}`,
      );
    }
    this.#url = url.replace("localhost", "127.0.0.1");
  }

  /** Sends `signal` to the stack process only (its Jobs are left to the stack). */
  kill(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** Sends `signal` to the whole process group: the stack and every Job it started. */
  #killGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: nobody is left in the group.
    }
  }

  /** Resolves with how the current incarnation ended, or undefined after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<StackExit | undefined> {
    const exit = this.#exit;
    if (!exit) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), timeoutMs);
    });
    try {
      return await Promise.race([exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The Job processes the running stack has started (optionally of one run). */
  jobChildren(runId?: string): JobProcess[] {
    if (!this.alive) return [];
    return jobChildrenOf(this.pid, runId);
  }

  /** Job processes still in the stack's process group: after it died, its orphans. */
  jobsLeft(): JobProcess[] {
    const pid = this.#child?.pid;
    return pid === undefined ? [] : jobsInGroup(pid);
  }

  /** SIGKILLs whatever is left of the process group (orphaned Jobs) and says how many there were. */
  killLeftovers(): number {
    const left = this.jobsLeft().length;
    this.#killGroup("SIGKILL");
    return left;
  }

  /** Starts a new incarnation on the same DATA_HOME and databases; the old one must be gone. */
  async restart(): Promise<void> {
    if (this.alive) throw new Error("restart: the stack is still running; kill it first");
    await this.#spawn();
  }

  /**
   * SIGTERM, then SIGKILL of the whole group if it has not exited within `timeoutMs`.
   * Resolves with the exit, or undefined when it had to be killed.
   */
  async stop(timeoutMs = 30_000): Promise<StackExit | undefined> {
    if (!this.alive) {
      this.killLeftovers();
      return undefined;
    }
    this.kill("SIGTERM");
    const exit = await this.waitExit(timeoutMs);
    this.#killGroup("SIGKILL");
    if (!exit) await this.waitExit(10_000);
    return exit;
  }

  /** Kills the stack and its Jobs at once. */
  async destroy(): Promise<void> {
    this.#killGroup("SIGKILL");
    if (this.#child) await this.waitExit(10_000);
  }

  /** The last lines of stdout and stderr over every incarnation. */
  output(): string {
    return this.#log.text();
  }
}

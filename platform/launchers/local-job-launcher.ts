// Runs a run's shards as local child processes of backtest-job/main.ts, like an Indexed Job on one machine.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createEvent, type FailureCode, type Publisher, shardFailed } from "../../events/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { recordJobLaunched } from "../metrics/metrics.ts";
import type { JobLauncher, ShardSpec } from "../ports.ts";
import { LineTail } from "./line-tail.ts";

/** The `source` of the events the launcher publishes. */
export const LAUNCHER_SOURCE = "/zixly/local-launcher";

/**
 * Exit codes of backtest-job/main.ts that the launcher acts on (backtest-job/job/exit-codes.ts
 * defines them; platform may not import the Job, so a test checks that both agree).
 * After 2 the Job has published its own `shard.failed`; 75 and crashes are reported here
 * once retries are spent.
 */
export const JOB_EXIT = { ok: 0, badInput: 2, transient: 75 } as const;

/** A program and its arguments; the shard's env is added by the launcher. */
export interface JobCommand {
  readonly file: string;
  readonly args: readonly string[];
}

export interface LocalJobLauncherOptions {
  /** K_SINK given to every child: where its events go. */
  readonly sinkUrl: string;
  /** Publishes `shard.failed` for children that crash or run out of time. */
  readonly publisher: Publisher;
  /** Children running at once, over all runs. */
  readonly concurrency: number;
  /** A shard still running this long after it first started is killed (fractions allowed). */
  readonly deadlineSeconds: number;
  /** More env for every child, e.g. DATA_DIR, JOB_WORKERS, FETCH_MAX_BYTES. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default: {@link defaultJobCommand}. */
  readonly command?: JobCommand;
  /** Re-runs after exit code 75 or a crash; never after exit code 2 or a deadline (default 1). */
  readonly maxRetries?: number;
  /** Delay before a re-run (default 1,000 ms). */
  readonly retryDelayMs?: number;
  /** Time between SIGTERM and SIGKILL (default 2,000 ms). */
  readonly killGraceMs?: number;
  /** Copy the children's stderr to ours (default true). */
  readonly echoStderr?: boolean;
  /** Working directory of the children (default: ours). */
  readonly cwd?: string;
  /** Default: JSON lines on stderr, component `local-launcher`. */
  readonly log?: Logger;
}

/** Variables of our own environment a child needs to run at all; nothing else leaks through. */
const INHERITED_ENV = [
  "PATH",
  "HOME",
  "TMPDIR",
  "TMP",
  "TEMP",
  "TZ",
  "LANG",
  "NODE_EXTRA_CA_CERTS",
  "SystemRoot",
];

/**
 * From source, `node --import <tsx loader> <repo>/backtest-job/main.ts`: the loader is passed
 * by absolute URL, since a bare `--import tsx` resolves from the child's working directory.
 * Compiled, `node dist/backtest-job/main.js`.
 */
export function defaultJobCommand(): JobCommand {
  // Compiled (npm run build), the Job is plain JavaScript next to this file's dist folder.
  if (!import.meta.url.endsWith(".ts")) {
    const main = fileURLToPath(new URL("../../backtest-job/main.js", import.meta.url));
    return { file: process.execPath, args: [main] };
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const main = fileURLToPath(new URL("../../backtest-job/main.ts", import.meta.url));
  return { file: process.execPath, args: ["--import", tsx, main] };
}

/** One shard and what has happened to it. */
interface Task {
  readonly spec: ShardSpec;
  /** Attempts started so far. */
  attempt: number;
  /** When the first attempt started: the deadline counts from there, over all attempts. */
  firstStart?: number;
  child?: ChildProcess;
  cancelled: boolean;
  timedOut: boolean;
  timers: NodeJS.Timeout[];
}

/**
 * A {@link JobLauncher} for one machine. Each shard runs as a child process with the same
 * environment contract as the Kubernetes Indexed Job (RUN_ID, JOB_COMPLETION_INDEX,
 * SHARD_COUNT, K_SINK, REQUEST, TRACEPARENT), at most `concurrency` at a time. Failures
 * follow the Job's policy: exit code 2 is final (podFailurePolicy FailIndex), 75 and crashes
 * are re-run up to `maxRetries` times (backoffLimitPerIndex), and a deadline kills the shard
 * (activeDeadlineSeconds). The children report their own results and failures; the launcher
 * reports what a dead or retried child cannot: `transient`, `crashed` and `deadline`.
 */
export class LocalJobLauncher implements JobLauncher {
  /** Children started since construction, re-runs included. */
  #started = 0;
  readonly #options: LocalJobLauncherOptions;
  readonly #command: JobCommand;
  readonly #log: Logger;
  readonly #launched = new Set<string>();
  #queue: Task[] = [];
  readonly #running = new Set<Task>();
  /** Shards waiting out their retry delay. */
  readonly #retrying = new Set<Task>();
  readonly #publishing = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: LocalJobLauncherOptions) {
    if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (!(options.deadlineSeconds > 0)) {
      throw new RangeError(`deadlineSeconds must be positive, got ${options.deadlineSeconds}`);
    }
    this.#options = options;
    this.#command = options.command ?? defaultJobCommand();
    this.#log = options.log ?? createLogger("local-launcher");
  }

  /** Queues the run's shards; a run launched before (even if cancelled) starts nothing. */
  async launch(runId: string, shards: readonly ShardSpec[]): Promise<void> {
    const stranger = shards.find((s) => s.runId !== runId);
    if (stranger) throw new RangeError(`shard of run ${stranger.runId} given to launch(${runId})`);
    if (this.#launched.has(runId)) return;
    this.#launched.add(runId);
    recordJobLaunched("local", shards.length);
    for (const spec of shards) {
      this.#queue.push({ spec, attempt: 0, cancelled: false, timedOut: false, timers: [] });
    }
    this.#log.info("run queued", { runId, shards: shards.length });
    this.#pump();
  }

  /**
   * Drops the run's queued shards and kills its running ones. Publishes nothing: the
   * canceller reports the run. Resolves once the children are signalled, not when they exit.
   */
  async cancel(runId: string): Promise<void> {
    this.#launched.add(runId);
    this.#queue = this.#queue.filter((task) => task.spec.runId !== runId);
    for (const task of [...this.#retrying]) {
      if (task.spec.runId !== runId) continue;
      this.#clearTimers(task);
      this.#retrying.delete(task);
    }
    for (const task of this.#running) {
      if (task.spec.runId !== runId) continue;
      task.cancelled = true;
      this.#kill(task);
    }
    this.#notifyIfIdle();
  }

  /** Children running, and shards waiting (queued or waiting to be retried). */
  stats(): { running: number; queued: number; started: number } {
    return {
      running: this.#running.size,
      queued: this.#queue.length + this.#retrying.size,
      started: this.#started,
    };
  }

  /**
   * Resolves true once nothing is queued, running or being reported, or false after
   * `timeoutMs` (for graceful shutdown).
   */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.push(done);
    });
  }

  #idle(): boolean {
    return (
      this.#queue.length === 0 &&
      this.#running.size === 0 &&
      this.#retrying.size === 0 &&
      this.#publishing.size === 0
    );
  }

  #notifyIfIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  #pump(): void {
    while (this.#running.size < this.#options.concurrency && this.#queue.length > 0) {
      this.#start(this.#queue.shift()!);
    }
    this.#notifyIfIdle();
  }

  #start(task: Task): void {
    const { spec } = task;
    const now = Date.now();
    task.firstStart ??= now;
    const remainingMs = this.#options.deadlineSeconds * 1000 - (now - task.firstStart);
    if (remainingMs <= 0) {
      // A retry that would begin past the deadline: the shard has run out of time already.
      task.timedOut = true;
      this.#settle(task, null, null);
      return;
    }
    task.attempt++;
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, this.#options.env, {
      RUN_ID: spec.runId,
      JOB_COMPLETION_INDEX: String(spec.shardIndex),
      SHARD_COUNT: String(spec.shardCount),
      K_SINK: this.#options.sinkUrl,
      REQUEST: JSON.stringify(spec.request),
      ...(spec.traceparent ? { TRACEPARENT: spec.traceparent } : {}),
    });
    const echo = this.#options.echoStderr ?? true;
    this.#started++;
    const child = spawn(this.#command.file, [...this.#command.args], {
      env,
      cwd: this.#options.cwd,
      stdio: ["ignore", echo ? "inherit" : "ignore", "pipe"],
    });
    task.child = child;
    this.#running.add(task);
    const tail = new LineTail();
    let spawnError: Error | undefined;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      tail.push(text);
      if (echo) process.stderr.write(text);
    });
    child.on("error", (error) => {
      spawnError = error;
    });
    child.once("close", (code, signal) => {
      this.#clearTimers(task);
      task.child = undefined;
      this.#running.delete(task);
      this.#settle(
        task,
        code,
        signal,
        spawnError ? [`could not start: ${spawnError.message}`] : tail.lines(),
      );
      this.#pump();
    });
    task.timers.push(
      setTimeout(() => {
        task.timedOut = true;
        this.#kill(task);
      }, remainingMs),
    );
    this.#log.info("shard started", {
      runId: spec.runId,
      shard: spec.shardIndex,
      attempt: task.attempt,
      pid: child.pid,
    });
  }

  /** SIGTERM now, SIGKILL after the grace period if it is still there. */
  #kill(task: Task): void {
    const child = task.child;
    if (!child) return;
    child.kill("SIGTERM");
    task.timers.push(setTimeout(() => child.kill("SIGKILL"), this.#options.killGraceMs ?? 2_000));
  }

  #clearTimers(task: Task): void {
    for (const timer of task.timers) clearTimeout(timer);
    task.timers = [];
  }

  /** Decides what an ended attempt means: nothing, a re-run, or a `shard.failed` from us. */
  #settle(
    task: Task,
    code: number | null,
    signal: NodeJS.Signals | null,
    stderr: string[] = [],
  ): void {
    const { runId, shardIndex: shard } = task.spec;
    const fields = { runId, shard, attempt: task.attempt, exitCode: code, signal };
    if (task.cancelled) {
      this.#log.info("shard cancelled", fields);
      return;
    }
    if (task.timedOut) {
      this.#log.warn("shard ran out of time", fields);
      this.#report(
        task,
        "deadline",
        `shard ran longer than ${this.#options.deadlineSeconds} s`,
        code,
      );
      return;
    }
    if (code === JOB_EXIT.ok) {
      this.#log.info("shard finished", fields);
      return;
    }
    if (code === JOB_EXIT.badInput) {
      this.#log.info("shard refused its input", fields);
      return;
    }
    if (task.attempt <= (this.#options.maxRetries ?? 1)) {
      this.#log.warn("shard failed, retrying", { ...fields, stderr });
      this.#retryLater(task);
      return;
    }
    const how = signal ? `killed by signal ${signal}` : `exit code ${code}`;
    const last =
      stderr.length > 0 ? `last stderr lines: ${stderr.join(" | ")}` : "no stderr output";
    if (code === JOB_EXIT.transient) {
      this.#log.warn("shard failed transiently, retries exhausted", fields);
      this.#report(task, "transient", `${how} after ${task.attempt} attempts; ${last}`, code);
      return;
    }
    this.#log.error("shard crashed", { ...fields, stderr });
    this.#report(task, "crashed", `${how}; ${last}`, code);
  }

  #retryLater(task: Task): void {
    this.#retrying.add(task);
    task.timers.push(
      setTimeout(() => {
        task.timers = [];
        this.#retrying.delete(task);
        this.#queue.unshift(task);
        this.#pump();
      }, this.#options.retryDelayMs ?? 1_000),
    );
  }

  /** Publishes `shard.failed` once per shard; a failed publish is logged, never thrown. */
  #report(task: Task, code: FailureCode, reason: string, exitCode: number | null): void {
    const { runId, shardIndex, shardCount, traceparent } = task.spec;
    const publishing = (async () => {
      try {
        const event = createEvent(
          shardFailed.type,
          {
            runId,
            shard: { index: shardIndex, count: shardCount },
            code,
            reason: reason.length > 2000 ? `${reason.slice(0, 1997)}...` : reason,
            exitCode,
          },
          { id: `${runId}/${shardIndex}/failed`, source: LAUNCHER_SOURCE, traceparent },
        );
        await this.#options.publisher.publish(event);
      } catch (error) {
        this.#log.error("shard failure not published", {
          runId,
          shard: shardIndex,
          error: String(error),
        });
      }
    })();
    this.#publishing.add(publishing);
    void publishing.finally(() => {
      this.#publishing.delete(publishing);
      this.#notifyIfIdle();
    });
  }
}

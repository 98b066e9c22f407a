// Runs a run's shards as local child processes of backtest-job/main.ts, like an Indexed Job on one machine.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createEvent, type FailureCode, type Publisher, shardFailed } from "../../events/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { recordJobLaunched } from "../metrics/metrics.ts";
import type { JobLauncher, ShardSpec } from "../ports.ts";
import { FairQueue } from "./fair-queue.ts";
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

/**
 * What {@link LocalJobLauncher.stop} left undone, for the caller to log and to resume after
 * the restart.
 */
export interface StopReport {
  /**
   * Per run id, the indices (ascending) of the shards that did not finish: queued, waiting
   * to be retried, or interrupted at the end of the grace period. Runs with none are absent.
   */
  readonly unfinished: Readonly<Record<string, readonly number[]>>;
  /** Children killed at the end of the grace period (their shards are in `unfinished`). */
  readonly interrupted: number;
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
  /** Killed by {@link LocalJobLauncher.stop}: neither a fault to report nor one to retry. */
  interrupted?: boolean;
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
 * Runs share the slots: their shards are started in rotation, one run after another
 * ({@link FairQueue}), so a small run is not held up behind a huge one.
 */
export class LocalJobLauncher implements JobLauncher {
  /** Children started since construction, re-runs included. */
  #started = 0;
  readonly #options: LocalJobLauncherOptions;
  readonly #command: JobCommand;
  readonly #log: Logger;
  readonly #launched = new Set<string>();
  /** Shards waiting for a slot, per run id. */
  readonly #queue = new FairQueue<Task>();
  readonly #running = new Set<Task>();
  /** Shards waiting out their retry delay. */
  readonly #retrying = new Set<Task>();
  readonly #publishing = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  /** Set by {@link stop}: nothing starts any more. */
  #stopping?: Promise<StopReport>;
  /** Shards that {@link stop} leaves unfinished, per run id. */
  readonly #unfinished = new Map<string, number[]>();
  /** Children that {@link stop} killed, counted as they exit. */
  #interrupted = 0;

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

  /**
   * Queues the run's shards; a run launched before (even if cancelled) starts nothing.
   * After {@link stop} it records nothing and starts nothing: the process is going down, and
   * whoever resumes runs after the restart launches this one on the next launcher.
   */
  async launch(runId: string, shards: readonly ShardSpec[]): Promise<void> {
    const stranger = shards.find((s) => s.runId !== runId);
    if (stranger) throw new RangeError(`shard of run ${stranger.runId} given to launch(${runId})`);
    if (this.#stopping) {
      this.#log.warn("run not launched: the launcher is stopping", { runId });
      return;
    }
    if (this.#launched.has(runId)) return;
    this.#launched.add(runId);
    recordJobLaunched("local", shards.length);
    for (const spec of shards) {
      this.#queue.push(runId, { spec, attempt: 0, cancelled: false, timedOut: false, timers: [] });
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
    this.#queue.remove(runId);
    // A cancelled run is over, not something to resume.
    this.#unfinished.delete(runId);
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

  /**
   * Whether shards of the run are queued, waiting for a retry or running here: the reaper
   * leaves such a run alone however long it waits behind others (each shard has a deadline).
   */
  holds(runId: string): boolean {
    if (this.#queue.has(runId)) return true;
    for (const task of this.#retrying) if (task.spec.runId === runId) return true;
    for (const task of this.#running) if (task.spec.runId === runId && !task.cancelled) return true;
    return false;
  }

  /** Children running, and shards waiting (queued or waiting to be retried). */
  stats(): { running: number; queued: number; started: number } {
    return {
      running: this.#running.size,
      queued: this.#queue.size + this.#retrying.size,
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

  /**
   * Shuts the launcher down for a process exit, leaving unfinished work resumable. From the
   * call on, no shard starts (queued and retrying ones are dropped) and {@link launch} is a
   * no-op. Running children get `graceMs` to finish; they report their own results, and a
   * child that fails in that time is reported as always, except that a re-run is not started
   * but left unfinished. When the grace period ends, the children still running are killed
   * (SIGTERM, then SIGKILL after `killGraceMs`) and are neither reported as failed nor
   * retried: our shutdown interrupted them, no fault did.
   *
   * Nothing is kept across the restart: the caller logs {@link StopReport.unfinished} and,
   * after the restart, launches those runs again on a new launcher. Re-running a shard that
   * already published some parts is safe, since parts are stored once per (run, shard, part)
   * (docs/decisions/0012-exactly-once.md). Resolves once every child has exited and every
   * failure report is published; a second call returns the same promise.
   * @example
   * const { unfinished } = await launcher.stop(10_000);
   * log.info("left resumable", { unfinished });
   */
  stop(graceMs: number): Promise<StopReport> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<StopReport> {
    for (const [runId, tasks] of this.#queue.clear()) {
      for (const task of tasks) this.#leaveUnfinished(task);
      this.#log.info("queued shards left unfinished", { runId, shards: tasks.length });
    }
    for (const task of this.#retrying) {
      this.#clearTimers(task);
      this.#leaveUnfinished(task);
    }
    this.#retrying.clear();
    this.#log.info("stopping", { running: this.#running.size, graceMs });
    if (!(await this.drain(graceMs))) {
      for (const task of this.#running) {
        // One the deadline is killing already is a fault and is reported as one.
        if (task.timedOut || task.cancelled) continue;
        this.#clearTimers(task);
        task.interrupted = true;
        this.#kill(task);
      }
      // No timeout here: every child gets SIGKILL at last.
      await new Promise<void>((resolve) => {
        if (this.#idle()) resolve();
        else this.#idleWaiters.push(resolve);
      });
    }
    const unfinished: Record<string, number[]> = {};
    for (const [runId, shards] of this.#unfinished) {
      unfinished[runId] = [...shards].sort((a, b) => a - b);
    }
    this.#log.info("stopped", { interrupted: this.#interrupted, unfinished });
    return { unfinished, interrupted: this.#interrupted };
  }

  #leaveUnfinished(task: Task): void {
    const { runId, shardIndex } = task.spec;
    const shards = this.#unfinished.get(runId);
    if (shards) shards.push(shardIndex);
    else this.#unfinished.set(runId, [shardIndex]);
  }

  #idle(): boolean {
    return (
      this.#queue.size === 0 &&
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
    while (
      !this.#stopping &&
      this.#running.size < this.#options.concurrency &&
      this.#queue.size > 0
    ) {
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
    // A child that ended on its own just before the signal keeps its outcome.
    if (task.interrupted && code !== JOB_EXIT.ok && code !== JOB_EXIT.badInput) {
      this.#log.info("shard interrupted by shutdown", fields);
      this.#interrupted++;
      this.#leaveUnfinished(task);
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
    if (this.#stopping) {
      // No re-run starts any more: the shard is resumed after the restart instead.
      this.#leaveUnfinished(task);
      return;
    }
    this.#retrying.add(task);
    task.timers.push(
      setTimeout(() => {
        task.timers = [];
        this.#retrying.delete(task);
        // First in its run's queue, so a re-run keeps its place in the run's order.
        this.#queue.unshift(task.spec.runId, task);
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

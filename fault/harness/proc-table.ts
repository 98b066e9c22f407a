// Reads the Linux process table (/proc): a stack's Job children and what is left of its process group.
import { readdirSync, readFileSync } from "node:fs";

/** One process as /proc/<pid>/stat and cmdline describe it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Process group: a stack spawned `detached` leads its own, and its Jobs inherit it. */
  readonly pgrp: number;
  readonly cmdline: string;
}

/** A Job child of a stack: one attempt at one shard. */
export interface JobProcess extends ProcessInfo {
  /** RUN_ID from its environment, or undefined when it could not be read. */
  readonly runId: string | undefined;
  readonly shard: string | undefined;
}

/** What marks a Job process on its command line (the launcher runs backtest-job/main.ts). */
const JOB_MAIN = "backtest-job/main";

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // The process ended between the directory listing and the read.
    return undefined;
  }
}

/** Parses /proc/<pid>/stat; the command name is in parentheses and may itself hold spaces. */
function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cmdline = (readText(`/proc/${pid}/cmdline`) ?? "").replaceAll("\0", " ").trim();
  return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), cmdline };
}

/** Every process this user can see. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** One variable of a process's environment as it was started. */
export function environValue(pid: number, name: string): string | undefined {
  const environ = readText(`/proc/${pid}/environ`);
  if (!environ) return undefined;
  const prefix = `${name}=`;
  return environ
    .split("\0")
    .find((entry) => entry.startsWith(prefix))
    ?.slice(prefix.length);
}

function asJob(info: ProcessInfo): JobProcess {
  return {
    ...info,
    runId: environValue(info.pid, "RUN_ID"),
    shard: environValue(info.pid, "JOB_COMPLETION_INDEX"),
  };
}

/** The Job processes whose parent is `parentPid`, optionally of one run only. */
export function jobChildrenOf(parentPid: number, runId?: string): JobProcess[] {
  return listProcesses()
    .filter((p) => p.ppid === parentPid && p.cmdline.includes(JOB_MAIN))
    .map(asJob)
    .filter((job) => runId === undefined || job.runId === runId);
}

/**
 * The Job processes of process group `pgid`, whoever their parent is now: after the stack
 * is killed its children are re-parented (to init or a subreaper) but keep its group.
 */
export function jobsInGroup(pgid: number): JobProcess[] {
  return listProcesses()
    .filter((p) => p.pgrp === pgid && p.cmdline.includes(JOB_MAIN))
    .map(asJob);
}

/** True when /proc can be read: the suite finds Jobs through it, so it needs Linux. */
export function hasProcTable(): boolean {
  return readText("/proc/self/stat") !== undefined;
}

// A local Job dies with the process that launched it, as a pod dies with its Job.

/**
 * Exits when the process `parentPid` is no longer this one's parent: the stack that launched
 * this shard crashed or was killed. Its replacement resumes the shard from the run store, so
 * an orphan running on would only compete with it for the cores and report to a dead address.
 * The check costs one property read a second; the timer does not keep the process alive.
 * @example watchParent(Number(process.env.JOB_PARENT_PID), () => process.exit(75));
 */
export function watchParent(
  parentPid: number,
  onOrphaned: () => void,
  options: { intervalMs?: number; ppid?: () => number } = {},
): () => void {
  const ppid = options.ppid ?? (() => process.ppid);
  const timer = setInterval(() => {
    if (ppid() === parentPid) return;
    clearInterval(timer);
    onOrphaned();
  }, options.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}

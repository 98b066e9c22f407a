// How many sweep threads a one-shot process should start, from the size of the work.

/**
 * Bar-evaluations (combinations x bars) below which a one-shot sweep stays on one thread.
 * A worker thread started cold loads and compiles the engine before its first combination,
 * about half a second; one core evaluates a few hundred million SMA bar-evaluations a second,
 * so below this much work a second thread finishes later than one thread alone (issue 12
 * measured 8,498 combinations on 2,500 bars: 0.44 s on one thread, 0.97 s on two).
 */
export const PARALLEL_MIN_EVALUATIONS = 300_000_000;

/**
 * The worker threads for `combinations` combinations on `bars` bars: 1 below
 * {@link PARALLEL_MIN_EVALUATIONS}, else every core. A long-running process with a warm
 * pool has no start to pay for and should pass its own count.
 *
 * @example defaultWorkers(8_498, 2_500, 8) // 1
 */
export function defaultWorkers(combinations: number, bars: number, cores: number): number {
  return combinations * bars < PARALLEL_MIN_EVALUATIONS ? 1 : Math.max(1, cores);
}

// The fault suite of one mode: the scenarios in order, on one stack environment, cleaned up after.
import { afterAll, beforeAll, describe, it } from "vitest";
import { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { badStrings } from "./bad-strings.ts";
import { crashRestart } from "./crash-restart.ts";
import { dependencyOutage } from "./dependency-outage.ts";
import { drainRestart } from "./drain-restart.ts";
import { fairShare } from "./fair-share.ts";
import { killedJob } from "./killed-job.ts";
import type { Scenario } from "./scenario-kit.ts";

/** One test: its title, the scenario, and its timeout in ms. */
export type FaultCase = readonly [title: string, scenario: Scenario, timeoutMs: number];

export const CRASH_RESTART: FaultCase = [
  "SIGKILL mid-run, restart: every accepted run succeeds with every row once",
  crashRestart,
  360_000,
];
export const DRAIN_RESTART: FaultCase = [
  "SIGTERM mid-run: exit 0 within the grace period; after a restart every run succeeds, rows once",
  drainRestart,
  360_000,
];
export const POSTGRES_OUTAGE: FaultCase = [
  "Postgres down for a minute under traffic: every 202 succeeds, refusals are 503",
  dependencyOutage("postgres"),
  480_000,
];
export const REDIS_OUTAGE: FaultCase = [
  "Redis down for a minute under traffic: every 202 succeeds, refusals are 503",
  dependencyOutage("redis"),
  480_000,
];
export const BAD_STRINGS: FaultCase = [
  "U+0000 and lone surrogates in any string: 400 with the field's path, and no run",
  badStrings,
  180_000,
];
export const KILLED_JOB: FaultCase = [
  "a Job killed on every attempt: the run fails, saying it was killed",
  killedJob,
  240_000,
];
export const FAIR_SHARE: FaultCase = [
  "a huge run does not starve small ones: each finishes within 15 s",
  fairShare,
  240_000,
];

/**
 * Registers `cases` under `title`, in order (vitest runs a file's tests one after another: on
 * two cores a second stack's Jobs would skew every timing the suite measures), on the mode
 * `start` sets up once. Skipped, with `skip` as the reason, when the machine cannot run it.
 * A failed `start` fails the file in its beforeAll; vitest then runs none of the cases.
 */
export function faultSuite(
  title: string,
  skip: string | undefined,
  start: (cleanup: Cleanup) => Promise<FaultMode>,
  cases: readonly FaultCase[],
): void {
  if (skip) console.log(`${title} skipped: ${skip}`);
  describe.skipIf(skip !== undefined)(title, () => {
    const cleanup = new Cleanup();
    let mode: FaultMode;
    beforeAll(async () => {
      mode = await start(cleanup);
    }, 120_000);
    afterAll(() => cleanup.runAll(), 120_000);
    for (const [name, scenario, timeoutMs] of cases) {
      it(name, () => scenario(mode, cleanup), timeoutMs);
    }
  });
}

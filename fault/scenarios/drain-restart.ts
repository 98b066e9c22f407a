// SIGTERM mid-run: exit 0 within the grace period plus a margin, then a restart finishes every run, rows once.
import { expect } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { sweep } from "../harness/requests.ts";
import { finish, openRuns, report, rig, settle, waitForJobs } from "./scenario-kit.ts";

/** SHUTDOWN_GRACE_SECONDS for this scenario: short, so that work is surely left to resume. */
const GRACE_SECONDS = 5;
/**
 * After the grace period: the launcher's SIGTERM-to-SIGKILL wait for its children (2 s), then
 * closing the broker and the stores, on a busy 2-core machine.
 */
const MARGIN_SECONDS = 10;
const RUNS = 3;
/**
 * Bars per run: 400,000 makes each shard take about ten seconds, so draining all six
 * shards two at a time would take about half a minute even on an idle machine. Only a
 * stack that really stops at the grace period can exit inside the bound.
 */
const BARS = 400_000;

/**
 * Sends three sweeps (six long shards, three waves of Jobs), SIGTERMs the stack as soon as
 * both Job slots are busy, and times its exit. No Job may outlive it: the ones the grace
 * period cut off are the stack's to kill and to resume after the restart.
 */
export async function drainRestart(mode: FaultMode, cleanup: Cleanup): Promise<void> {
  const r = await rig("drain-restart", mode, cleanup, {
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
  });
  const { stack, ledger } = r;
  let exitCode: number | null | undefined;
  let exitMs = Number.POSITIVE_INFINITY;
  let jobsLeft = -1;
  try {
    for (let i = 0; i < RUNS; i++) {
      await ledger.send(stack, sweep({ seed: 200 + i, shards: 2, bars: BARS }), "before SIGTERM");
    }
    ledger.note("Jobs running at SIGTERM", (await waitForJobs(stack, 2)).length);
    ledger.note("runs open at SIGTERM", await openRuns(stack, ledger));
    const signalled = Date.now();
    stack.kill("SIGTERM");
    // Longer than the bound, so a slow exit is measured rather than cut off.
    const exit = await stack.waitExit(60_000);
    exitMs = Date.now() - signalled;
    exitCode = exit ? exit.code : undefined;
    ledger.note("exit after SIGTERM", exit ? { ...exit, ms: exitMs } : "none within 60 s");
    jobsLeft = stack.jobsLeft().length;
    ledger.note("Job processes left running after the exit (then killed)", jobsLeft);
    // SIGKILLs the whole group: the stack too, if it never exited.
    stack.killLeftovers();
    if (!exit) await stack.waitExit(10_000);
    await stack.restart();
    await settle(r);
    await finish(r);
  } finally {
    report(ledger);
  }
  expect.soft(exitCode, "the stack exits 0 after SIGTERM").toBe(0);
  expect
    .soft(exitMs, `it exits within SHUTDOWN_GRACE_SECONDS (${GRACE_SECONDS}) + ${MARGIN_SECONDS} s`)
    .toBeLessThanOrEqual((GRACE_SECONDS + MARGIN_SECONDS) * 1000);
  expect.soft(jobsLeft, "no Job outlives the stack").toBe(0);
  expect.soft(ledger.accepted(), "every webhook was accepted before SIGTERM").toHaveLength(RUNS);
  expect(ledger.successProblems(), "every accepted run succeeded with every row once").toEqual([]);
}

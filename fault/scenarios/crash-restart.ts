// SIGKILL of the stack mid-run, then a restart on the same state: every accepted run must still succeed, rows once.
import { expect } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { sweep } from "../harness/requests.ts";
import { until } from "../harness/wait.ts";
import { finish, openRuns, report, rig, settle, waitForRowsAndJobs } from "./scenario-kit.ts";

/** Runs in flight when the stack dies: 3 runs of 2 shards keep both Job slots busy for a while. */
const RUNS = 3;
/** How long orphaned Jobs get to notice that their stack is gone (they check once a second). */
const ORPHAN_GRACE_MS = 10_000;

/**
 * Sends three sweeps, waits until one has stored rows while Jobs still run, then SIGKILLs
 * the stack process alone. Its Job children were not spawned detached, so they outlive it
 * for a moment: the test counts them, gives them ORPHAN_GRACE_MS to exit on their own (as
 * they would die with a crashed pod), and kills any that remain (decision 0026).
 */
export async function crashRestart(mode: FaultMode, cleanup: Cleanup): Promise<void> {
  const r = await rig("crash-restart", mode, cleanup);
  const { stack, ledger } = r;
  let orphansLeft = -1;
  try {
    for (let i = 0; i < RUNS; i++) {
      await ledger.send(stack, sweep({ seed: 100 + i, shards: 2 }), "before the crash");
    }
    ledger.note(
      "rows stored and Jobs running at the crash",
      await waitForRowsAndJobs(stack, ledger),
    );
    ledger.note("Jobs running at the crash", stack.jobChildren().length);
    ledger.note("runs open at the crash", await openRuns(stack, ledger));
    stack.kill("SIGKILL");
    const exit = await stack.waitExit(15_000);
    ledger.note("crash", exit ? `signal ${exit.signal}` : "still alive 15 s after SIGKILL");
    ledger.note("Job processes orphaned by the crash", stack.jobsLeft().length);
    // A Job watches its parent and exits when it is gone: give that a bounded chance, then
    // kill whatever is left so that no survivor competes with the restarted stack.
    const orphaned = Date.now();
    const gone = await until(() => stack.jobsLeft().length === 0, {
      timeoutMs: ORPHAN_GRACE_MS,
      intervalMs: 100,
    });
    if (gone) ledger.note("ms until the orphans had exited by themselves", Date.now() - orphaned);
    orphansLeft = stack.killLeftovers();
    ledger.note(
      `orphans still running ${ORPHAN_GRACE_MS} ms after the crash (then killed)`,
      orphansLeft,
    );
    await stack.restart();
    await settle(r);
    await finish(r);
  } finally {
    report(ledger);
  }
  expect
    .soft(orphansLeft, "orphaned Jobs exit by themselves, as they would die with a pod")
    .toBe(0);
  expect(ledger.accepted(), "every webhook was accepted before the crash").toHaveLength(RUNS);
  expect(ledger.successProblems(), "every accepted run succeeded with every row once").toEqual([]);
}

// Steps every scenario shares: start its stack, wait for work in flight, stop, audit, report.
import { onTestFailed } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import { type FaultMode, type ScenarioHome, withDatabase } from "../harness/fault-mode.ts";
import { reportLedger } from "../harness/ledger-report.ts";
import type { JobProcess } from "../harness/proc-table.ts";
import { RunLedger } from "../harness/run-ledger.ts";
import { FaultStack } from "../harness/stack-process.ts";
import { until } from "../harness/wait.ts";
import { getJson } from "../harness/webhook-client.ts";

/** A scenario's stack, home and ledger. */
export interface ScenarioRig {
  readonly home: ScenarioHome;
  readonly stack: FaultStack;
  readonly ledger: RunLedger;
}

/** A scenario as the test files run it. */
export type Scenario = (mode: FaultMode, cleanup: Cleanup) => Promise<void>;

/**
 * Makes the scenario's home and ledger and starts its stack. If the test fails, the stack's
 * last output lines are printed (the ring buffer spans every restart).
 */
export async function rig(
  name: string,
  mode: FaultMode,
  cleanup: Cleanup,
  env: Readonly<Record<string, string>> = {},
): Promise<ScenarioRig> {
  const home = await mode.home(name);
  const ledger = new RunLedger(name, mode.name);
  const stack = await FaultStack.start(
    { dataHome: home.dataHome, env: { ...home.env, ...env } },
    cleanup,
  );
  onTestFailed(() => {
    console.log(
      `--- output of the ${name} (${mode.name}) stack ---\n${stack.output()}\n--- end ---`,
    );
  });
  return { home, stack, ledger };
}

/** Waits until the stack runs at least `count` Jobs (of `runId`, if given); the Jobs, or []. */
export async function waitForJobs(
  stack: FaultStack,
  count: number,
  { runId, timeoutMs = 90_000 }: { runId?: string; timeoutMs?: number } = {},
): Promise<JobProcess[]> {
  const jobs = await until(
    () => {
      const found = stack.jobChildren(runId);
      return found.length >= count ? found : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
  return jobs ?? [];
}

/** Rows recorded so far for one run (GET /runs/:id/results `total`), or 0. */
export async function rowsRecorded(url: string, runId: string): Promise<number> {
  const { body } = await getJson(url, `/runs/${runId}/results?limit=1`);
  return typeof body?.total === "number" ? body.total : 0;
}

/**
 * Waits until some accepted run has recorded rows while a Job is still running: the moment
 * a fault hurts most, with work both stored and in flight. True if that moment came.
 */
export async function waitForRowsAndJobs(
  stack: FaultStack,
  ledger: RunLedger,
  timeoutMs = 120_000,
): Promise<boolean> {
  const moment = await until(
    async () => {
      if (stack.jobChildren().length === 0) return false;
      for (const entry of ledger.accepted()) {
        if ((await rowsRecorded(stack.url, entry.runId!)) > 0) return true;
      }
      return false;
    },
    { timeoutMs, intervalMs: 250 },
  );
  return moment === true;
}

/** Runs that are not final yet, by the api. */
export async function openRuns(stack: FaultStack, ledger: RunLedger): Promise<number> {
  let open = 0;
  for (const entry of ledger.accepted()) {
    const state = await ledger.poll(stack.url, entry);
    if (!state || ["queued", "running", "missing"].includes(state.status)) open++;
  }
  return open;
}

/**
 * Ends a scenario: stops the stack (SIGTERM, then SIGKILL of its group after 30 s), reads
 * every accepted run from the database, and reports. The audit comes after the stop because
 * an embedded stack's PGlite folder can only be opened once its process has exited.
 */
export async function finish({ stack, home, ledger }: ScenarioRig): Promise<void> {
  if (!stack.alive) {
    ledger.note("final stop", `the stack had already exited: ${JSON.stringify(stack.lastExit)}`);
    stack.killLeftovers();
  } else {
    const exit = await stack.stop(30_000);
    ledger.note("final stop", exit ? `exit code ${exit.code}` : "did not exit in 30 s; killed");
  }
  await withDatabase(home, (db) => ledger.audit(db));
}

/** Follows every accepted run to its end, giving up at once if the stack dies. */
export function settle(
  { stack, ledger }: ScenarioRig,
  options: { timeoutMs?: number; stallMs?: number } = {},
): Promise<void> {
  return ledger.settle(stack.url, { ...options, alive: () => stack.alive });
}

/** Reports the ledger whatever happened; call in `finally`. */
export function report(ledger: RunLedger): void {
  reportLedger(ledger);
}

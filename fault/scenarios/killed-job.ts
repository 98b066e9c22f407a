// A Job killed on every attempt: the run must end failed, saying that its shard was killed or crashed.
import { expect } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { sweep } from "../harness/requests.ts";
import { sleep } from "../harness/wait.ts";
import { finish, report, rig, settle } from "./scenario-kit.ts";

/** Bounds of the hunt: more attempts than any retry policy here allows, and a time cap. */
const MAX_KILLS = 10;
const HUNT_MS = 90_000;

/**
 * Sends a one-shard run and SIGKILLs each of its Job processes as soon as it appears (found
 * through /proc by RUN_ID), until the run is final or the bounds are reached.
 */
export async function killedJob(mode: FaultMode, cleanup: Cleanup): Promise<void> {
  const r = await rig("killed-job", mode, cleanup);
  const { stack, ledger } = r;
  const killed = new Set<number>();
  try {
    const entry = await ledger.send(
      stack,
      sweep({ seed: 300, shards: 1 }),
      "killed on every attempt",
    );
    const runId = entry.runId;
    if (runId) {
      const deadline = Date.now() + HUNT_MS;
      let nextPoll = 0;
      while (Date.now() < deadline && killed.size < MAX_KILLS) {
        for (const job of stack.jobChildren(runId)) {
          if (killed.has(job.pid)) continue;
          process.kill(job.pid, "SIGKILL");
          killed.add(job.pid);
        }
        if (Date.now() >= nextPoll) {
          nextPoll = Date.now() + 1_000;
          const state = await ledger.poll(stack.url, entry);
          if (state && !["queued", "running", "missing"].includes(state.status)) break;
        }
        await sleep(50);
      }
    }
    ledger.note("Job attempts killed", killed.size);
    await settle(r, { timeoutMs: 60_000, stallMs: 30_000 });
    await finish(r);
  } finally {
    report(ledger);
  }
  const [entry] = ledger.accepted();
  expect(entry, "the run was accepted").toBeDefined();
  expect.soft(killed.size, "at least one Job attempt was killed").toBeGreaterThan(0);
  expect.soft(entry?.api?.status, "the run ends failed").toBe("failed");
  expect(entry?.api?.error ?? "", "the reason says the shard was killed or crashed").toMatch(
    /kill|crash/i,
  );
}

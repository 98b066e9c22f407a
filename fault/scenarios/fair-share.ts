// A huge run must not starve small ones: three one-combination runs each finish within seconds while it runs.
import { expect } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { singleBacktest, sweep } from "../harness/requests.ts";
import type { LedgerEntry, RunLedger } from "../harness/run-ledger.ts";
import { sleep } from "../harness/wait.ts";
import { postEmpty } from "../harness/webhook-client.ts";
import { finish, report, rig, settle, waitForJobs } from "./scenario-kit.ts";

/** 128 shards of about nine combinations: each is mostly Job start-up, minutes of queue in all. */
const HUGE_SHARDS = 128;
const SMALL_RUNS = 3;
/** What "within a few seconds" means here, on a busy 2-core machine. */
const SMALL_RUN_BOUND_MS = 15_000;
/** How long to follow one small run before moving on (so a starved one costs bounded time). */
const SMALL_RUN_WAIT_MS = 20_000;

const FINAL = ["succeeded", "failed", "cancelled", "rejected"];

/** Follows `entry` until it is final: the ms from its 202, or undefined after SMALL_RUN_WAIT_MS. */
async function timeToFinal(ledger: RunLedger, url: string, entry: LedgerEntry) {
  const answered = Date.parse(entry.sentAt) + entry.httpMs;
  while (Date.now() < answered + SMALL_RUN_WAIT_MS) {
    const state = await ledger.poll(url, entry);
    if (FINAL.includes(state?.status ?? "")) return Date.now() - answered;
    await sleep(200);
  }
  return undefined;
}

/**
 * Starts a 128-shard run with JOB_CONCURRENCY=2, waits until its Jobs hold both slots, then
 * sends three one-combination runs one after another and times each from its 202 to its
 * final state. The huge run must still be running afterwards; it is then cancelled so that
 * it does not hold the machine.
 */
export async function fairShare(mode: FaultMode, cleanup: Cleanup): Promise<void> {
  const r = await rig("fair-share", mode, cleanup, {
    JOB_CONCURRENCY: "2",
    MAX_SHARDS: String(HUGE_SHARDS),
  });
  const { stack, ledger } = r;
  const times: (number | undefined)[] = [];
  let hugeStatus: string | undefined;
  try {
    const huge = await ledger.send(stack, sweep({ seed: 400, shards: HUGE_SHARDS }), "huge");
    ledger.note(
      "huge run Jobs running before the small runs",
      (await waitForJobs(stack, 2, { runId: huge.runId })).length,
    );
    for (let i = 0; i < SMALL_RUNS; i++) {
      const small = await ledger.send(stack, singleBacktest(410 + i), "small");
      times.push(small.http === 202 ? await timeToFinal(ledger, stack.url, small) : undefined);
    }
    ledger.note(
      "small runs: ms from 202 to final",
      times.map((t) => t ?? `not final in ${SMALL_RUN_WAIT_MS} ms`),
    );
    hugeStatus = (await ledger.poll(stack.url, huge))?.status;
    ledger.note("huge run after the small runs", {
      status: hugeStatus,
      progress: huge.api?.progressDone,
    });
    if (huge.runId)
      ledger.note("cancel the huge run", await postEmpty(stack.url, `/runs/${huge.runId}/cancel`));
    await settle(r, { timeoutMs: 60_000, stallMs: 30_000 });
    await finish(r);
  } finally {
    report(ledger);
  }
  const smalls = ledger.entries.filter((e) => e.phase === "small");
  expect
    .soft(hugeStatus, "the huge run is still running when the small ones are done")
    .toBe("running");
  for (const [i, ms] of times.entries()) {
    expect
      .soft(ms, `small run ${i + 1} is final within ${SMALL_RUN_BOUND_MS} ms of its 202`)
      .toBeLessThan(SMALL_RUN_BOUND_MS);
  }
  expect(ledger.successProblems(smalls), "every small run succeeded with its row").toEqual([]);
}

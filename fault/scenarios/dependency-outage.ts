// Server mode: Postgres or Redis down for a minute under traffic; every 202 must still end in a succeeded run.
import { expect } from "vitest";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { singleBacktest, sweep } from "../harness/requests.ts";
import { sleep } from "../harness/wait.ts";
import { getJson } from "../harness/webhook-client.ts";
import { finish, report, rig, settle, waitForJobs } from "./scenario-kit.ts";

/** Length of the outage: 60 s as the brief sets it; FAULT_OUTAGE_SECONDS shortens it for a quick look. */
function outageMs(): number {
  const raw = process.env.FAULT_OUTAGE_SECONDS;
  const seconds = raw === undefined || raw === "" ? 60 : Number(raw);
  if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= 600))
    throw new Error(
      `FAULT_OUTAGE_SECONDS must be a whole number of seconds from 1 to 600, got ${raw}`,
    );
  return seconds * 1000;
}

/** One webhook every this many ms while the dependency is down. */
const SEND_EVERY_MS = 4_000;

/** The dependency a scenario takes down. */
export type Dependency = "postgres" | "redis";

/**
 * Sends two sweeps, waits for their Jobs, stops the dependency for the outage while sending
 * a one-combination run every few seconds (and asking /readyz each time), starts it again,
 * sends two more, and follows every accepted run to its end. A stack that dies meanwhile
 * fails the scenario, and is restarted to count what survived. Postgres stops with
 * `pg_ctl stop -m fast`; Redis stops and comes back empty, as it has no persistence here.
 */
export function dependencyOutage(dependency: Dependency) {
  return async (mode: FaultMode, cleanup: Cleanup): Promise<void> => {
    const server = dependency === "postgres" ? mode.postgres : mode.redis;
    if (!server) throw new Error(`the ${dependency} outage needs server mode`);
    const r = await rig(`${dependency}-outage`, mode, cleanup);
    const { stack, ledger } = r;
    const readyz: number[] = [];
    let death: unknown;
    try {
      for (let i = 0; i < 2; i++) {
        await ledger.send(stack, sweep({ seed: 500 + i, shards: 3 }), "before");
      }
      ledger.note("Jobs running when it went down", (await waitForJobs(stack, 1)).length);
      await server.stop();
      const down = Date.now();
      const length = outageMs();
      for (let tick = 0; Date.now() - down < length; tick++) {
        await ledger.send(stack, singleBacktest(600 + tick), "during");
        readyz.push((await getJson(stack.url, "/readyz", 5_000)).status);
        const next = down + (tick + 1) * SEND_EVERY_MS;
        await sleep(Math.max(0, Math.min(next, down + length) - Date.now()));
      }
      await server.start();
      ledger.note("outage ms", Date.now() - down);
      ledger.note("/readyz statuses during the outage", readyz);
      if (!stack.alive) {
        // A finding in itself; the restart then shows which of the 202s survived the death.
        death = stack.lastExit;
        ledger.note(`the stack died while ${dependency} was down (restarted after)`, death);
        stack.killLeftovers();
        await stack.restart();
      }
      for (let i = 0; i < 2; i++) {
        await sleep(3_000);
        await ledger.send(stack, singleBacktest(700 + i), "after");
      }
      ledger.note("/readyz after recovery", (await getJson(stack.url, "/readyz", 5_000)).status);
      await settle(r, { timeoutMs: 240_000, stallMs: 60_000 });
      await finish(r);
    } finally {
      report(ledger);
    }
    expect.soft(death, `the stack stays up while ${dependency} is down`).toBeUndefined();
    const badRefusals = ledger.entries
      .filter((e) => e.http !== 202 && e.http !== 503)
      .map((e) => `webhook ${e.n} (${e.phase}): ${e.http} ${e.refusal ?? ""}`);
    expect.soft(badRefusals, "every refusal is a 503: never a 500, never no answer").toEqual([]);
    const after = ledger.entries.filter((e) => e.phase === "after");
    expect
      .soft(
        after.map((e) => e.http),
        `once ${dependency} is back, webhooks are accepted`,
      )
      .toEqual(after.map(() => 202));
    expect(ledger.successProblems(), "every 202 ended in a succeeded run, every row once").toEqual(
      [],
    );
  };
}

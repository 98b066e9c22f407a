// Fault injection against the real stack in server mode (its own Postgres and Redis): kill it, starve it, take its servers away.
import { afterAll, beforeAll, describe, it } from "vitest";
import { Cleanup } from "./harness/cleanup.ts";
import {
  type FaultMode,
  serverMode,
  serverSkipReason,
  suiteSkipReason,
} from "./harness/fault-mode.ts";
import { badStrings } from "./scenarios/bad-strings.ts";
import { crashRestart } from "./scenarios/crash-restart.ts";
import { dependencyOutage } from "./scenarios/dependency-outage.ts";
import { drainRestart } from "./scenarios/drain-restart.ts";
import { fairShare } from "./scenarios/fair-share.ts";
import { killedJob } from "./scenarios/killed-job.ts";
import type { Scenario } from "./scenarios/scenario-kit.ts";

const skip = suiteSkipReason() ?? serverSkipReason();
if (skip) console.log(`fault suite, server mode skipped: ${skip}`);

// One Postgres and one Redis for the file, a database per scenario; scenarios run in order.
describe.skipIf(skip !== undefined)("fault injection, server mode", () => {
  const cleanup = new Cleanup();
  let mode: FaultMode | undefined;
  beforeAll(async () => {
    mode = await serverMode(cleanup);
  }, 120_000);
  afterAll(() => cleanup.runAll(), 120_000);
  const run = (scenario: Scenario) => () => {
    if (!mode) throw new Error("server mode did not start; see the beforeAll error");
    return scenario(mode, cleanup);
  };

  it(
    "SIGKILL mid-run, restart: every accepted run succeeds with every row once",
    run(crashRestart),
    360_000,
  );
  it(
    "SIGTERM mid-run: exit 0 within the grace period; after a restart every run succeeds, rows once",
    run(drainRestart),
    360_000,
  );
  it(
    "Postgres down for a minute under traffic: every 202 succeeds, refusals are 503",
    run(dependencyOutage("postgres")),
    480_000,
  );
  it(
    "Redis down for a minute under traffic: every 202 succeeds, refusals are 503",
    run(dependencyOutage("redis")),
    480_000,
  );
  it(
    "U+0000 and lone surrogates in any string: 400 with the field's path, and no run",
    run(badStrings),
    180_000,
  );
  it("a Job killed on every attempt: the run fails, saying it was killed", run(killedJob), 240_000);
  it("a huge run does not starve small ones: each finishes within 15 s", run(fairShare), 240_000);
});

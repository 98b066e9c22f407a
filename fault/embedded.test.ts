// Fault injection against the real stack in embedded mode (PGlite, in-memory stand-ins): kill it, starve it, count what survives.
import { afterAll, beforeAll, describe, it } from "vitest";
import { Cleanup } from "./harness/cleanup.ts";
import { embeddedMode, type FaultMode, suiteSkipReason } from "./harness/fault-mode.ts";
import { badStrings } from "./scenarios/bad-strings.ts";
import { crashRestart } from "./scenarios/crash-restart.ts";
import { drainRestart } from "./scenarios/drain-restart.ts";
import { fairShare } from "./scenarios/fair-share.ts";
import { killedJob } from "./scenarios/killed-job.ts";
import type { Scenario } from "./scenarios/scenario-kit.ts";

const skip = suiteSkipReason();
if (skip) console.log(`fault suite skipped: ${skip}`);

// Scenarios run one after another (vitest runs a file's tests in order): on two cores a
// second stack's Jobs would skew every timing this suite measures.
describe.skipIf(skip !== undefined)("fault injection, embedded mode", () => {
  const cleanup = new Cleanup();
  let mode: FaultMode | undefined;
  beforeAll(async () => {
    mode = await embeddedMode(cleanup);
  }, 120_000);
  afterAll(() => cleanup.runAll(), 120_000);
  const run = (scenario: Scenario) => () => {
    if (!mode) throw new Error("embedded mode did not start; see the beforeAll error");
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
    "U+0000 and lone surrogates in any string: 400 with the field's path, and no run",
    run(badStrings),
    180_000,
  );
  it("a Job killed on every attempt: the run fails, saying it was killed", run(killedJob), 240_000);
  it("a huge run does not starve small ones: each finishes within 15 s", run(fairShare), 240_000);
});

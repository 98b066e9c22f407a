// Fault injection against the real stack in server mode (its own Postgres and Redis): kill it, starve it, take its servers away.
import { serverMode, serverSkipReason, suiteSkipReason } from "./harness/fault-mode.ts";
import {
  BAD_STRINGS,
  CRASH_RESTART,
  DRAIN_RESTART,
  FAIR_SHARE,
  faultSuite,
  KILLED_JOB,
  POSTGRES_OUTAGE,
  REDIS_OUTAGE,
} from "./scenarios/fault-suite.ts";

// One Postgres and one Redis for the file, a database per scenario.
faultSuite("fault injection, server mode", suiteSkipReason() ?? serverSkipReason(), serverMode, [
  CRASH_RESTART,
  DRAIN_RESTART,
  POSTGRES_OUTAGE,
  REDIS_OUTAGE,
  BAD_STRINGS,
  KILLED_JOB,
  FAIR_SHARE,
]);

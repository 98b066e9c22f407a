// Fault injection against the real stack in embedded mode (PGlite, in-memory stand-ins): kill it, starve it, count what survives.
import { embeddedMode, suiteSkipReason } from "./harness/fault-mode.ts";
import {
  BAD_STRINGS,
  CRASH_RESTART,
  DRAIN_RESTART,
  FAIR_SHARE,
  faultSuite,
  KILLED_JOB,
} from "./scenarios/fault-suite.ts";

faultSuite("fault injection, embedded mode", suiteSkipReason(), embeddedMode, [
  CRASH_RESTART,
  DRAIN_RESTART,
  BAD_STRINGS,
  KILLED_JOB,
  FAIR_SHARE,
]);

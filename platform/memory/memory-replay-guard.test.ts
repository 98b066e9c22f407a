// MemoryReplayGuard against the shared ReplayGuard contract.
import { runReplayGuardContract } from "../replay-guard.contract.ts";
import { ManualClock } from "./manual-clock.ts";
import { MemoryReplayGuard } from "./memory-replay-guard.ts";

runReplayGuardContract("memory", async () => {
  const clock = new ManualClock();
  return {
    guard: new MemoryReplayGuard(clock.now),
    advance: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});

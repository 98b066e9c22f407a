// MemoryProgressStore against the shared ProgressStore contract.
import { runProgressStoreContract } from "../progress-store.contract.ts";
import { ManualClock } from "./manual-clock.ts";
import { MemoryProgressStore } from "./memory-progress-store.ts";

runProgressStoreContract("memory", async ({ ttlSeconds }) => {
  const clock = new ManualClock();
  return {
    store: new MemoryProgressStore(clock.now, { ttlSeconds }),
    advance: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});

// MemoryRateLimiter against the shared RateLimiter contract.
import { runRateLimiterContract } from "../rate-limiter.contract.ts";
import { ManualClock } from "./manual-clock.ts";
import { MemoryRateLimiter } from "./memory-rate-limiter.ts";

runRateLimiterContract("memory", async () => {
  const clock = new ManualClock();
  return {
    limiter: new MemoryRateLimiter(clock.now),
    advance: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});

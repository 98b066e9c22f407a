// A sweep worker: claims chunks of combinations and writes their summary rows to shared memory.
import { parentPort } from "node:worker_threads";
import { backtestContext } from "./engine/backtest.ts";
import { planSweep } from "./engine/grid.ts";
import { resolveStrategy } from "./engine/strategies/index.ts";
import { sharedBarsView } from "./shared-bars.ts";
import { drainChunks, type WorkerInit } from "./sweep-pool.ts";
import type { WorkerReply } from "./worker-pool.ts";

parentPort?.on("message", (init: WorkerInit) => {
  let reply: WorkerReply = { kind: "done" };
  try {
    const ctx = backtestContext(sharedBarsView(init.bars));
    const plan = planSweep(resolveStrategy(init.strategy), init.grid);
    drainChunks(
      ctx,
      plan,
      init.options,
      new Int32Array(init.indices),
      new Float64Array(init.stats),
      new Int32Array(init.counters),
      init.chunk,
    );
  } catch (error) {
    reply = { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});

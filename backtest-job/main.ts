// The backtest Job's entrypoint: one shard of a sweep, configured by its environment (see job/job-env.ts).
import { runJob } from "./job/run-job.ts";

const code = await runJob(process.env);
process.exitCode = code;
// Idle keep-alive sockets or a stuck worker must not hold a finished pod open.
setTimeout(() => process.exit(code), 2_000).unref();

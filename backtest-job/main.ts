// The backtest Job's entrypoint: one shard of a sweep, configured by its environment (see job/job-env.ts).
import { startTracing } from "../platform/tracing.ts";
import { watchParent } from "./job/exit-with-parent.ts";
import { runJob } from "./job/run-job.ts";

// Launched as a local process: an orphan of a crashed stack stops, its successor resumes it.
const parent = Number(process.env.JOB_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) watchParent(parent, () => process.exit(75));

// Off unless the launcher passed a collector on (docs/tracing.md); the URL was checked by its config.
const tracing = await startTracing(
  process.env.OTEL_SERVICE_NAME || "backtest-job",
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
);
const code = await runJob(process.env);
process.exitCode = code;
// The shard's span is sent before exit; the flush gives up after a few seconds.
await tracing.shutdown();
// Idle keep-alive sockets or a stuck worker must not hold a finished pod open.
setTimeout(() => process.exit(code), 2_000).unref();

// The backtest Job's entrypoint: one shard of a sweep, configured by its environment (see job/job-env.ts).
import { HttpPublisher } from "../events/index.ts";
import { brokerAuthorization } from "../platform/broker/broker-credentials.ts";
import { createLogger } from "../platform/log.ts";
import { startTracing } from "../platform/tracing.ts";
import { EXIT } from "./job/exit-codes.ts";
import { watchParent } from "./job/exit-with-parent.ts";
import { parseJobCredentials } from "./job/job-env.ts";
import { runJob } from "./job/run-job.ts";

// Launched as a local process: an orphan of a crashed stack stops, its successor resumes it.
const parent = Number(process.env.JOB_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) watchParent(parent, () => process.exit(EXIT.transient));

// Off unless the launcher passed a collector on (docs/tracing.md); the URL was checked by its config.
const tracing = await startTracing(
  process.env.OTEL_SERVICE_NAME || "backtest-job",
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
);
// The broker's credentials: BROKER_TOKEN or K_SINK_TOKEN_FILE. Wrong ones are the launcher's
// fault, not the request's: exit 1, so the launcher retries and then reports the shard.
let authorization: ReturnType<typeof brokerAuthorization>;
try {
  authorization = brokerAuthorization(parseJobCredentials(process.env));
} catch (error) {
  createLogger("backtest-job").error("cannot start", { reason: String(error) });
  process.exit(EXIT.unexpected);
}
const code = await runJob(process.env, {
  connect: (url) => new HttpPublisher(url, { authorization }),
});
process.exitCode = code;
// The shard's span is sent before exit; the flush gives up after a few seconds.
await tracing.shutdown();
// Idle keep-alive sockets or a stuck worker must not hold a finished pod open.
setTimeout(() => process.exit(code), 2_000).unref();

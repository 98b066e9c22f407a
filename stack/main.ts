// npm start: the whole pipeline in one process, with a banner that shows how to use it.
import { ConfigError } from "../platform/config.ts";
import { createLogger } from "../platform/log.ts";
import { startTracing } from "../platform/tracing.ts";
import { banner } from "./banner.ts";
import { stackConfig } from "./stack-config.ts";
import { startStack } from "./start-stack.ts";

const log = createLogger("stack");
try {
  // Insecure URLs are on for local development unless ALLOW_INSECURE_URLS is set; the banner says so.
  const { config, insecureUrlsByDefault } = stackConfig();
  // Per process, so here and not in startStack, which tests start many times (docs/tracing.md).
  const tracing = await startTracing(
    config.OTEL_SERVICE_NAME ?? "zixly-stack",
    config.OTEL_EXPORTER_OTLP_ENDPOINT,
  );
  const stack = await startStack(config, log);
  process.stdout.write(banner(stack, { insecureUrlsByDefault }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("draining before exit", { signal });
    stack.stop().then(
      () => tracing.shutdown().then(() => process.exit(0)),
      (error: unknown) => {
        log.error("shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

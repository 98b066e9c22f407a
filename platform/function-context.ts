// What every function's dependencies are built from: configuration, adapters, broker, launcher.
import { Webhook } from "standardwebhooks";
import { HttpPublisher, type Publisher } from "../events/index.ts";
import { type Adapters, startAdapters } from "./adapters.ts";
import { brokerAuthorization, credentialsOf } from "./broker/broker-credentials.ts";
import { type Config, ConfigError, type SourceConfig } from "./config.ts";
import { answersHttp } from "./health/answers-http.ts";
import type { ReadinessCheck, ReadinessChecks } from "./health/readiness.ts";
import { LocalJobLauncher, type LocalJobLauncherOptions } from "./launchers/local-job-launcher.ts";
import { createLogger, type Logger } from "./log.ts";
import { instrumentPublisher } from "./metrics/instrument-publisher.ts";
import { watchRunsInFlight } from "./metrics/runs-in-flight.ts";
import type { JobLauncher } from "./ports.ts";

/** Shared by the functions of one process; each function picks what it needs. */
export interface FunctionContext {
  readonly config: Config;
  readonly adapters: Adapters;
  readonly publisher: Publisher;
  readonly launcher: JobLauncher;
  readonly log: Logger;
  /** Webhook sources by name; `backtest` is always there. */
  readonly sources: Readonly<Record<string, SourceConfig>>;
  /** Signs outbound callbacks with the `backtest` source's secret. */
  readonly signer: Webhook;
  /** Base URL of the api, for status links. */
  readonly publicUrl: string;
}

/** The sources: `backtest` (Standard Webhooks with `secret`) plus WEBHOOK_SOURCES. */
export function sourcesFor(config: Config, secret: string): Record<string, SourceConfig> {
  return { ...config.WEBHOOK_SOURCES, backtest: { auth: "standard-webhooks", secret } };
}

/**
 * The context of one function running alone (functions/serve.ts, Knative, compose): events go
 * to K_SINK over HTTP, with BROKER_TOKEN or the token in K_SINK_TOKEN_FILE, and the webhook
 * secret must be configured. Built at start: a setting
 * missing is a {@link ConfigError} here, before anything is opened. A database or Redis that
 * is down is not an error: the store keeps opening in the background (see `startAdapters`)
 * and readiness says so until it is up (see {@link readinessChecks}).
 */
export async function standaloneContext(config: Config, name: string): Promise<FunctionContext> {
  if (!config.K_SINK)
    throw new ConfigError("K_SINK must be set: where this function publishes events");
  if (!config.WEBHOOK_SECRET)
    throw new ConfigError("WEBHOOK_SECRET must be set for a standalone function");
  if (config.K_SINK_AUDIENCE && !config.K_SINK_TOKEN_FILE)
    throw new ConfigError("K_SINK_AUDIENCE is set without K_SINK_TOKEN_FILE, the token for it");
  const log = createLogger(name);
  const authorization = brokerAuthorization(credentialsOf(config));
  const publisher = instrumentPublisher(new HttpPublisher(config.K_SINK, { authorization }));
  // Before the adapters: a launcher that cannot be built leaves no connection open.
  const launcher = await launcherFor(config, config.K_SINK, publisher, log);
  const adapters = startAdapters(config, log);
  // A count of the whole store, so one kind of pod reports it, not every pod of every function.
  if (name === "api") {
    watchRunsInFlight(adapters.store, {
      onError: (error) => log.warn("runs in flight not counted", { error: String(error) }),
    });
  }
  return {
    config,
    adapters,
    publisher,
    launcher,
    log,
    sources: sourcesFor(config, config.WEBHOOK_SECRET),
    signer: new Webhook(config.WEBHOOK_SECRET),
    publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  };
}

/** A dependency a function may be unable to work without. */
export type Dependency = "database" | "redis" | "broker";

/**
 * The readiness checks of a function that cannot work without `needs`: `database` (the store
 * is open and answers), `redis` (connected and answering; only when REDIS_URL is set, since
 * the in-memory stand-ins are always there) and `broker` (K_SINK answers HTTP at all).
 *
 * @example
 * export const checks = readinessChecks(context, ["database", "broker"]);
 */
export function readinessChecks(
  ctx: FunctionContext,
  needs: readonly Dependency[],
): ReadinessChecks {
  const { store, pingCache } = ctx.adapters;
  const sink = ctx.config.K_SINK;
  const available: Partial<Record<Dependency, ReadinessCheck>> = {
    database: () => store.ping(),
    ...(pingCache ? { redis: () => pingCache() } : {}),
    ...(sink ? { broker: answersHttp(sink) } : {}),
  };
  return Object.fromEntries(
    needs.flatMap((need) => {
      const check = available[need];
      return check ? [[need, check] as const] : [];
    }),
  );
}

/**
 * The launcher JOB_LAUNCHER names: `local` child processes, or `kubernetes` Indexed Jobs. The
 * Kubernetes client is imported only when chosen: it costs about half a second of cold start.
 */
export async function launcherFor(
  config: Config,
  sinkUrl: string,
  publisher: Publisher,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<JobLauncher> {
  if (config.JOB_LAUNCHER === "local")
    return localLauncher(config, { url: sinkUrl, token: config.BROKER_TOKEN }, publisher, log);
  const [{ KubeConfig }, { KubernetesJobLauncher }] = await Promise.all([
    import("@kubernetes/client-node"),
    import("./launchers/kubernetes-job-launcher.ts"),
  ]);
  const kubeConfig = new KubeConfig();
  // In a pod: the service account's token and CA; elsewhere: KUBECONFIG or ~/.kube/config.
  if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return new KubernetesJobLauncher(kubeConfig, {
    image: config.JOB_IMAGE,
    namespace: config.JOB_NAMESPACE,
    parallelism: config.JOB_PARALLELISM,
    backoffLimitPerIndex: config.JOB_BACKOFF_LIMIT_PER_INDEX,
    deadlineSeconds: config.JOB_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: config.JOB_TTL_SECONDS,
    sinkUrl,
    kueueQueue: config.KUEUE_QUEUE,
    jobWorkers: config.JOB_WORKERS,
    dataDir: config.DATA_DIR,
    dataClaim: config.JOB_DATA_CLAIM,
    fetchMaxBytes: config.FETCH_MAX_BYTES,
    fetchTimeoutMs: config.FETCH_TIMEOUT_MS,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    allowInsecureUrls: config.ALLOW_INSECURE_URLS,
    // Pods get a broker token of their own only where this process sends one too.
    sinkTokenAudience: config.K_SINK_TOKEN_FILE ? config.K_SINK_AUDIENCE : undefined,
    serviceAccountName: config.JOB_SERVICE_ACCOUNT,
    log: log.child({ component: "kubernetes-launcher" }),
  });
}

/** Where local Jobs send their events, and the bearer token the broker there takes. */
export interface JobSink {
  readonly url: string;
  /** Given to each child as BROKER_TOKEN; never logged. */
  readonly token?: string;
}

/**
 * The local launcher: shards as child processes that report to `sink`. Each child gets the
 * sink's token as BROKER_TOKEN or, without one, this process's K_SINK_TOKEN_FILE, and
 * ALLOW_INSECURE_URLS as configured here.
 */
export function localLauncher(
  config: Config,
  sink: JobSink,
  publisher: Publisher,
  log: Logger,
  overrides: Partial<LocalJobLauncherOptions> = {},
): LocalJobLauncher {
  const credentials: Record<string, string> = sink.token
    ? { BROKER_TOKEN: sink.token }
    : config.K_SINK_TOKEN_FILE
      ? { K_SINK_TOKEN_FILE: config.K_SINK_TOKEN_FILE }
      : {};
  return new LocalJobLauncher({
    sinkUrl: sink.url,
    publisher,
    concurrency: config.JOB_CONCURRENCY,
    deadlineSeconds: config.JOB_DEADLINE_SECONDS,
    env: {
      DATA_DIR: config.DATA_DIR,
      JOB_WORKERS: String(config.JOB_WORKERS),
      FETCH_MAX_BYTES: String(config.FETCH_MAX_BYTES),
      FETCH_TIMEOUT_MS: String(config.FETCH_TIMEOUT_MS),
      ALLOW_INSECURE_URLS: String(config.ALLOW_INSECURE_URLS),
      ...credentials,
      // The child exits if this process dies (backtest-job/job/exit-with-parent.ts).
      JOB_PARENT_PID: String(process.pid),
      // Each shard sends its span to the same collector (docs/tracing.md).
      ...(config.OTEL_EXPORTER_OTLP_ENDPOINT
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: config.OTEL_EXPORTER_OTLP_ENDPOINT }
        : {}),
    },
    log: log.child({ component: "local-launcher" }),
    ...overrides,
  });
}

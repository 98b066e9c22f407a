// Configuration, parsed once at boot from the environment; bad values stop the process there.
import { z } from "zod";
import { isAddressOrRange, trustListProblem } from "./http/client-address.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** "true"/"false"/"1"/"0" as a boolean, as every boolean setting is written. */
export const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** One webhook source and how it authenticates. */
export const SourceConfigSchema = z.discriminatedUnion("auth", [
  z
    .object({ auth: z.literal("standard-webhooks"), secret: z.string().startsWith("whsec_") })
    .strict(),
  z.object({ auth: z.literal("github"), secret: z.string().min(1) }).strict(),
  z
    .object({
      auth: z.literal("token"),
      token: z.string().min(16),
      /**
       * Allowed client addresses or CIDR ranges; empty allows any. The client is the nearest
       * hop outside TRUSTED_PROXIES (platform/http/client-address.ts).
       */
      allowIps: z
        .array(
          z
            .string()
            .refine(isAddressOrRange, "must be an IP address or a CIDR range, e.g. 10.0.0.0/8"),
        )
        .default([]),
    })
    .strict(),
]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

/** Every setting of the pipeline, with its environment variable and default. */
export const ConfigSchema = z.object({
  /** HTTP port of `npm start` and of each function (functions-framework reads PORT too). */
  PORT: int(0, 65535).default(8080),
  /**
   * Port of the Prometheus `/metrics` server that functions/serve.ts starts beside the
   * function, off its request path (docs/metrics.md). Not 9090 or 9091: in a Knative pod
   * those belong to queue-proxy, which shares the pod's network namespace.
   */
  METRICS_PORT: int(0, 65535).default(9464),
  /** Postgres; unset means PGlite under DATA_HOME. */
  DATABASE_URL: z.string().optional(),
  /**
   * A PEM bundle of the CAs that sign the Postgres server's certificate (RDS: the global
   * bundle). Set, every connection is TLS, verified against this bundle alone and for the
   * URL's host name, whatever `sslmode` the URL names (platform/postgres/pool-config.ts).
   * Node does not trust the RDS CA by default, so `sslmode=require` fails without it.
   */
  DATABASE_CA_FILE: z.string().min(1).optional(),
  /**
   * A file holding the Postgres password, for a DATABASE_URL that holds none. Read again for
   * every new connection, so a password that RDS rotated reaches the next connection once the
   * kubelet has refreshed the mounted Secret; the process need not restart
   * (platform/postgres/password-file.ts, docs/decisions/0044-database-password-rotation.md).
   */
  DATABASE_PASSWORD_FILE: z.string().min(1).optional(),
  /**
   * Connections one process keeps to Postgres at most. Times the pods that can run at once,
   * it must stay under the server's max_connections (docs/configuration.md).
   */
  DATABASE_POOL_MAX: int(1, 100).default(5),
  /** Redis; unset means in-memory stand-ins. */
  REDIS_URL: z.string().optional(),
  /** Where embedded state lives: the PGlite database and the generated webhook secret. */
  DATA_HOME: z.string().default(".data"),
  /** Directory that `{"path": ...}` data sources resolve inside. */
  DATA_DIR: z.string().default("data"),
  /** Secret of the `backtest` source (Standard Webhooks, `whsec_...`); generated when unset. */
  WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
  /** More sources, as JSON: {"github": {"auth": "github", "secret": "..."}, ...}. */
  WEBHOOK_SOURCES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return {} as Record<string, SourceConfig>;
      try {
        return z
          .record(z.string().regex(/^[a-z0-9-]{1,64}$/), SourceConfigSchema)
          .parse(JSON.parse(s));
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `WEBHOOK_SOURCES: ${String(error)}` });
        return z.NEVER;
      }
    }),
  /** Bearer token the API requires; unset leaves the API open (embedded default). */
  API_TOKEN: z.string().min(16).optional(),
  /** Where events go: the Knative broker (K_SINK is injected by SinkBinding), or the embedded one. */
  K_SINK: z.url().optional(),
  /** Standalone broker (compose): where a Trigger's subscriber lives; {name} is its Service. */
  SUBSCRIBER_URL_TEMPLATE: z.string().includes("{name}").default("http://{name}:8080/"),
  /** Public base URL for statusUrl links; defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url().optional(),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(256 * 1024),
  MAX_COMBINATIONS: int(1, 10_000_000).default(200_000),
  /** Per source and minute. */
  RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).default(120),
  /** How long a webhook id is remembered, and the signature timestamp tolerance. */
  REPLAY_TTL_SECONDS: int(60, 7 * 24 * 3600).default(24 * 3600),
  /** Combinations per shard when the request does not say how many shards. */
  COMBINATIONS_PER_SHARD: int(1, 10_000_000).default(2_000),
  MAX_SHARDS: int(1, 256).default(16),
  /** local (child processes) or kubernetes (Indexed Jobs). */
  JOB_LAUNCHER: z.enum(["local", "kubernetes"]).default("local"),
  /** Local launcher: shards running at once. */
  JOB_CONCURRENCY: int(1, 256).default(2),
  /** Seconds a shard may run before it is killed and fails with `deadline`. */
  JOB_DEADLINE_SECONDS: int(1, 7 * 24 * 3600).default(600),
  /** Worker threads per shard. */
  JOB_WORKERS: int(1, 64).default(1),
  /** Kubernetes launcher: the backtest-job image, chosen by the operator, never by a request. */
  JOB_IMAGE: z.string().min(1).default("zixly/backtest-job:latest"),
  /** Kubernetes launcher: namespace of the Jobs (the functions' own, from the downward API). */
  JOB_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .default("default"),
  /**
   * Kubernetes launcher: the Job pods' service account (knative/base/service-accounts.yaml):
   * no token of the API server, only the identity the broker's EventPolicy names.
   */
  JOB_SERVICE_ACCOUNT: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .default("zixly-backtest-job"),
  /** Kubernetes launcher: pods of one Job running at once. */
  JOB_PARALLELISM: int(1, 1000).default(4),
  /** Kubernetes launcher: retries per shard index for transient failures. */
  JOB_BACKOFF_LIMIT_PER_INDEX: int(0, 20).default(1),
  /** Kubernetes launcher: how long a finished Job is kept. */
  JOB_TTL_SECONDS: int(0, 30 * 24 * 3600).default(3600),
  /** Kubernetes launcher: a PersistentVolumeClaim of data sets, mounted read-only in Job pods. */
  JOB_DATA_CLAIM: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .optional(),
  /** Kubernetes launcher: a Kueue LocalQueue; set, Jobs are created suspended for Kueue to admit. */
  KUEUE_QUEUE: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .optional(),
  /** The reaper fails runs still running this long after their deadline. */
  REAPER_GRACE_SECONDS: int(0, 7 * 24 * 3600).default(300),
  /**
   * The embedded stack's reaper clock: a ping every this many seconds, as the PingSource sends
   * one on Kubernetes (knative/base/reaper-ping.yaml).
   */
  REAPER_INTERVAL_SECONDS: int(1, 24 * 3600).default(60),
  /**
   * On SIGTERM, how long running shards may go on before they are stopped and left for the
   * next start to resume. Kubernetes waits terminationGracePeriodSeconds (30 s by default).
   */
  SHUTDOWN_GRACE_SECONDS: int(0, 3600).default(20),
  /** Data fetched from a url: size cap and timeout. */
  FETCH_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  FETCH_TIMEOUT_MS: int(100, 10 * 60_000).default(30_000),
  /**
   * Allow callbacks and data urls to plain http and private hosts (local development and
   * tests only). Off by default; `npm start` turns it on unless set, and says so in its banner.
   */
  ALLOW_INSECURE_URLS: bool.default(false),
  /**
   * Proxies whose X-Forwarded-For entries are believed, as comma-separated addresses or
   * CIDR ranges (proxy-addr's syntax, e.g. `loopback, 10.0.0.0/8`). The client address used
   * for a source's `allowIps` is the nearest address not in this list. Empty: the TCP peer.
   */
  TRUSTED_PROXIES: z
    .string()
    .superRefine((list, ctx) => {
      const problem = trustListProblem(list);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default(""),
  /**
   * A shared bearer token that the broker ingress requires of every event (compose, or a
   * standalone broker). The embedded stack makes its own per process; Knative uses OIDC.
   */
  BROKER_TOKEN: z.string().min(32).optional(),
  /**
   * A file holding the bearer token for K_SINK (Knative's OIDC sender authentication with a
   * projected service-account token, knative/components/broker-oidc). Read again a minute
   * after the last read at most, so a token the kubelet rotated is picked up.
   */
  K_SINK_TOKEN_FILE: z.string().min(1).optional(),
  /**
   * The audience of the broker's OIDC tokens (the Broker's status.address.audience). Set
   * with K_SINK_TOKEN_FILE, Kubernetes Jobs get a projected token for it of their own.
   */
  K_SINK_AUDIENCE: z.string().min(1).optional(),
  /** An OTLP/HTTP collector, e.g. http://collector:4318; set, spans go to its /v1/traces. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** The `service.name` of the spans; defaults to the function's name (or `zixly-stack`). */
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Bad configuration: the message lists every variable at fault. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses the environment once; throws {@link ConfigError} naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const result = ConfigSchema.safeParse(picked);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  return result.data;
}

// The Job's environment contract, parsed once at start with zod (see LocalJobLauncher and the Indexed Job).
import { z } from "zod";
import { type BacktestRequest, BacktestRequestSchema, RunIdSchema } from "../../events/index.ts";
import type { BrokerCredentials } from "../../platform/broker/broker-credentials.ts";
import { bool } from "../../platform/config.ts";
import { BadInput } from "./job-errors.ts";

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Who the Job is: enough to log and to report a failure. Without these it cannot even say it failed. */
const IdentitySchema = z
  .object({
    RUN_ID: RunIdSchema,
    /** Set by Kubernetes on the pods of an Indexed Job. */
    JOB_COMPLETION_INDEX: int(0, 1023),
    SHARD_COUNT: int(1, 1024),
    /** The broker; Knative's SinkBinding names it K_SINK. */
    K_SINK: z.url({ protocol: /^https?$/ }),
    /** W3C trace context of the run's first hop. */
    TRACEPARENT: z.string().min(1).max(512).optional(),
  })
  .refine((e) => e.JOB_COMPLETION_INDEX < e.SHARD_COUNT, {
    message: "must be below SHARD_COUNT",
    path: ["JOB_COMPLETION_INDEX"],
  });

/**
 * What the broker at K_SINK takes as proof that the events are ours: BROKER_TOKEN (the
 * embedded stack's, or compose's) or K_SINK_TOKEN_FILE (a projected token on Kubernetes).
 * Both unset: none is sent, for a broker that asks for none.
 */
const CredentialsSchema = z
  .object({
    BROKER_TOKEN: z.string().min(32).optional(),
    K_SINK_TOKEN_FILE: z.string().min(1).optional(),
  })
  .refine((e) => !(e.BROKER_TOKEN && e.K_SINK_TOKEN_FILE), {
    message: "BROKER_TOKEN and K_SINK_TOKEN_FILE are both set; give one",
    path: ["BROKER_TOKEN"],
  });

/** The work itself: the request and the knobs of loading and progress. */
const WorkSchema = z.object({
  /** The validated BacktestRequest as JSON; validated again here, the Job trusts nobody. */
  REQUEST: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not JSON" });
        return z.NEVER;
      }
    })
    .pipe(BacktestRequestSchema),
  /** Directory that `{"path": ...}` data sources resolve inside. */
  DATA_DIR: z.string().min(1).default("data"),
  /** Threads for the sweep, the main one included. */
  JOB_WORKERS: int(1, 64).default(1),
  FETCH_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  FETCH_TIMEOUT_MS: int(100, 10 * 60_000).default(30_000),
  /** The launcher's ALLOW_INSECURE_URLS: http and private data urls (local development). */
  ALLOW_INSECURE_URLS: bool.default(false),
  /** Least time between two progress events; 0 sends one whenever the sweep reports. */
  PROGRESS_INTERVAL_MS: int(0, 3_600_000).default(1000),
  /** First delay of the publish retry; it doubles on each attempt. */
  PUBLISH_BACKOFF_MS: int(0, 60_000).default(250),
});

/** Who this Job is. */
export interface JobIdentity {
  readonly runId: string;
  readonly shard: { readonly index: number; readonly count: number };
  readonly sinkUrl: string;
  readonly traceparent: string | undefined;
}

/** What this Job does and how. */
export interface JobWork {
  readonly request: BacktestRequest;
  readonly dataDir: string;
  readonly workers: number;
  readonly fetchMaxBytes: number;
  readonly fetchTimeoutMs: number;
  readonly allowInsecureUrls: boolean;
  readonly progressIntervalMs: number;
  readonly publishBackoffMs: number;
}

/** The identity variables are missing or wrong: the launcher is misconfigured. */
export class InvalidJobEnv extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidJobEnv";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Unset and empty variables both mean "use the default". */
function present(env: Env, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out;
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "env"}: ${i.message}`).join("; ");
}

/**
 * Reads RUN_ID, JOB_COMPLETION_INDEX, SHARD_COUNT, K_SINK and TRACEPARENT.
 * @throws {InvalidJobEnv} naming every variable at fault.
 */
export function parseJobIdentity(env: Env): JobIdentity {
  const parsed = IdentitySchema.safeParse(
    present(env, ["RUN_ID", "JOB_COMPLETION_INDEX", "SHARD_COUNT", "K_SINK", "TRACEPARENT"]),
  );
  if (!parsed.success)
    throw new InvalidJobEnv(`invalid job environment: ${describe(parsed.error.issues)}`);
  const e = parsed.data;
  return {
    runId: e.RUN_ID,
    shard: { index: e.JOB_COMPLETION_INDEX, count: e.SHARD_COUNT },
    sinkUrl: e.K_SINK,
    traceparent: e.TRACEPARENT,
  };
}

/**
 * Reads BROKER_TOKEN or K_SINK_TOKEN_FILE. The messages name the variables, never a value.
 * @throws {InvalidJobEnv} when the token is too short or both are set: the Job could not
 *   report, so whoever launched it reports it.
 * @example new HttpPublisher(sink, { authorization: brokerAuthorization(parseJobCredentials(env)) })
 */
export function parseJobCredentials(env: Env): BrokerCredentials {
  const parsed = CredentialsSchema.safeParse(present(env, ["BROKER_TOKEN", "K_SINK_TOKEN_FILE"]));
  if (!parsed.success)
    throw new InvalidJobEnv(`invalid job environment: ${describe(parsed.error.issues)}`);
  return { token: parsed.data.BROKER_TOKEN, tokenFile: parsed.data.K_SINK_TOKEN_FILE };
}

/**
 * Reads REQUEST and the tuning variables. A bad REQUEST is bad input like any other, so it
 * is reported as a `shard.failed` with code `bad_input` and never retried.
 * @throws {BadInput} naming every variable (and request field) at fault.
 * @example parseJobWork({ REQUEST: '{"strategy":"sma-crossover",...}', JOB_WORKERS: "2" })
 */
export function parseJobWork(env: Env): JobWork {
  const parsed = WorkSchema.safeParse(present(env, Object.keys(WorkSchema.shape)));
  if (!parsed.success)
    throw new BadInput(`invalid job environment: ${describe(parsed.error.issues)}`);
  const e = parsed.data;
  return {
    request: e.REQUEST,
    dataDir: e.DATA_DIR,
    workers: e.JOB_WORKERS,
    fetchMaxBytes: e.FETCH_MAX_BYTES,
    fetchTimeoutMs: e.FETCH_TIMEOUT_MS,
    allowInsecureUrls: e.ALLOW_INSECURE_URLS,
    progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    publishBackoffMs: e.PUBLISH_BACKOFF_MS,
  };
}

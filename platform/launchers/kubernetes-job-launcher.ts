// Runs a run's shards as one Indexed Kubernetes Job, created and deleted through the batch/v1 API.
import {
  ApiException,
  BatchV1Api,
  type ConfigurationOptions,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
} from "@kubernetes/client-node";
import type { Logger } from "../log.ts";
import { recordJobLaunched } from "../metrics/metrics.ts";
import type { JobLauncher, ShardSpec } from "../ports.ts";
import { buildJobSpec, type JobSpecOptions, jobName } from "./job-spec.ts";

export interface KubernetesJobLauncherOptions extends JobSpecOptions {
  readonly log: Logger;
  /** Each API call is abandoned after this long (default 10,000 ms), so dispatch never hangs. */
  readonly requestTimeoutMs?: number;
}

/** The Kubernetes API refused a call or could not be reached; `status` is the HTTP status, if any. */
export class KubeApiError extends Error {
  readonly status: number | undefined;
  /** The `reason` of the API's Status object, e.g. `Forbidden`, `Invalid`. */
  readonly reason: string | undefined;
  constructor(
    message: string,
    status: number | undefined,
    reason: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

/**
 * One Job per run, named after the run id, so creating it is the idempotency check: a
 * redelivered `requested` gets 409 AlreadyExists and starts nothing. Every other failure
 * throws, so that the broker redelivers the event. Leaves out watching: shards report
 * through events, and the Job's own status reaches us through an ApiServerSource.
 *
 * @example new KubernetesJobLauncher(kubeConfig, { image, namespace, ..., log })
 */
export class KubernetesJobLauncher implements JobLauncher {
  readonly #api: BatchV1Api;
  readonly #options: KubernetesJobLauncherOptions;
  readonly #log: Logger;

  constructor(kubeConfig: KubeConfig, options: KubernetesJobLauncherOptions) {
    this.#api = kubeConfig.makeApiClient(BatchV1Api);
    this.#options = options;
    this.#log = options.log;
  }

  async launch(runId: string, shards: readonly ShardSpec[]): Promise<void> {
    const body = buildJobSpec(runId, shards, this.#options);
    const name = body.metadata!.name!;
    const fields = { runId, job: name, namespace: this.#options.namespace, shards: shards.length };
    try {
      await this.#api.createNamespacedJob(
        { namespace: this.#options.namespace, body },
        this.#callOptions(),
      );
      recordJobLaunched("kubernetes", shards.length);
      this.#log.info("job created", fields);
    } catch (error) {
      // The name is the run id, so an existing Job is this run's: a redelivery.
      if (statusOf(error) === 409) {
        this.#log.info("job exists already", fields);
        return;
      }
      throw this.#fail("creating", name, error);
    }
  }

  /**
   * Deletes the Job; Background propagation lets the garbage collector remove the pods (their
   * containers get SIGTERM and the grace period). A Job that is gone already is fine.
   */
  /** GET the run's Job: true if it is there, false on 404, undefined on any other answer. */
  async exists(runId: string): Promise<boolean | undefined> {
    try {
      await this.#api.readNamespacedJob(
        { name: jobName(runId), namespace: this.#options.namespace },
        this.#callOptions(),
      );
      return true;
    } catch (error) {
      return statusOf(error) === 404 ? false : undefined;
    }
  }

  /** Deletes the run's Job and its pods (background propagation); a Job already gone is fine. */
  async cancel(runId: string): Promise<void> {
    const name = jobName(runId);
    const fields = { runId, job: name, namespace: this.#options.namespace };
    // A GET first: a Job that is gone needs no DELETE, and the log says which it was.
    if ((await this.exists(runId)) === false) {
      this.#log.info("job to delete was gone", fields);
      return;
    }
    try {
      await this.#api.deleteNamespacedJob(
        { name, namespace: this.#options.namespace, propagationPolicy: "Background" },
        this.#callOptions(),
      );
      this.#log.info("job deleted", fields);
    } catch (error) {
      if (statusOf(error) === 404) {
        this.#log.info("job to delete was gone", fields);
        return;
      }
      throw this.#fail("deleting", name, error);
    }
  }

  /**
   * Per-call options that give the request an abort signal: the client sets no timeout of
   * its own. Appended, so the client's middleware (none today) stays.
   */
  #callOptions(): ConfigurationOptions<ObservableMiddleware> {
    const timeoutMs = this.#options.requestTimeoutMs ?? 10_000;
    return {
      middleware: [
        {
          pre: (request) => {
            request.setSignal(AbortSignal.timeout(timeoutMs));
            return new Observable(Promise.resolve(request));
          },
          post: (response) => new Observable(Promise.resolve(response)),
        },
      ],
      middlewareMergeStrategy: "append",
    };
  }

  #fail(doing: string, name: string, error: unknown): KubeApiError {
    const status = statusOf(error);
    const kubeStatus = status === undefined ? undefined : parseStatus(error);
    const timedOut = error instanceof Error && error.name === "AbortError";
    const detail = timedOut
      ? `no answer within ${this.#options.requestTimeoutMs ?? 10_000} ms`
      : (kubeStatus?.message ??
        (status === undefined ? (error instanceof Error ? error.message : String(error)) : ""));
    const message = `${doing} Job ${this.#options.namespace}/${name} failed${
      status === undefined ? "" : ` with HTTP ${status}`
    }${detail ? `: ${detail}` : ""}`;
    this.#log.error("kubernetes api call failed", {
      job: name,
      status,
      reason: kubeStatus?.reason,
      error: message,
    });
    return new KubeApiError(message, status, kubeStatus?.reason, error);
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The API's `Status` object from an error body, when it is one. */
function parseStatus(error: unknown): { message?: string; reason?: string } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let body: unknown = error.body;
  if (typeof body === "string") {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return { message: text.slice(0, 500) };
    }
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { message, reason } = body as { message?: unknown; reason?: unknown };
  return {
    message: typeof message === "string" ? message.slice(0, 500) : undefined,
    reason: typeof reason === "string" ? reason : undefined,
  };
}

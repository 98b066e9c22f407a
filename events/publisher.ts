// Publishers hand events to the broker: over HTTP to K_SINK, or straight into an in-process broker.
import type { CloudEvent } from "cloudevents";
import { toBinaryHttp } from "./cloud-event.ts";

/**
 * Sends an event to the broker and resolves only once the broker accepted it (2xx).
 * Deliberately leaves out batching and retries: callers decide whether a failure is a
 * 503 to their client or a redelivery from their own broker.
 */
export interface Publisher {
  publish(event: CloudEvent<unknown>): Promise<void>;
}

/** The broker refused or could not be reached; `status` is the HTTP status, if any. */
export class PublishError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PublishError";
    this.status = status;
  }
}

/**
 * The Authorization header of the next publish, or undefined to send none. Called on every
 * publish, so a token that rotates (a projected service-account token) is picked up.
 */
export type AuthorizationSource = () => Promise<string | undefined> | string | undefined;

/** How an {@link HttpPublisher} sends. */
export interface HttpPublisherOptions {
  /** Per request (default 10,000 ms). */
  readonly timeoutMs?: number;
  /** The broker's credentials; a failure to produce them fails the publish, unsent. */
  readonly authorization?: AuthorizationSource;
}

/**
 * POSTs binary-mode events to a sink URL (Knative injects it as K_SINK) and checks the
 * status itself: the SDK's own transport resolves even on 4xx and 5xx. Error messages name
 * the URL and the status, never the credentials.
 *
 * @example new HttpPublisher(sinkUrl, { authorization: () => `Bearer ${token}` })
 */
export class HttpPublisher implements Publisher {
  readonly url: string;
  readonly timeoutMs: number;
  readonly #authorization: AuthorizationSource | undefined;

  constructor(url: string, options: HttpPublisherOptions = {}) {
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.#authorization = options.authorization;
  }

  async publish(event: CloudEvent<unknown>): Promise<void> {
    const { headers, body } = toBinaryHttp(event);
    let authorization: string | undefined;
    try {
      authorization = await this.#authorization?.();
    } catch (error) {
      // No status: a token file the kubelet has not written yet may be there on a retry.
      throw new PublishError(
        `no credentials for the broker at ${this.url}: ${String(error)}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: authorization === undefined ? headers : { ...headers, authorization },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PublishError(`broker at ${this.url} unreachable: ${String(error)}`, undefined, {
        cause: error,
      });
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) {
      throw new PublishError(`broker at ${this.url} answered ${response.status}`, response.status);
    }
  }
}

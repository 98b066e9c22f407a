// Wraps a Publisher with a few retries and exponential backoff, for the Job's once-only results.
import type { CloudEvent } from "cloudevents";
import { PublishError, type Publisher } from "../../events/index.ts";

/** How hard to try. */
export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  readonly attempts?: number;
  /** Delay before the first retry; it doubles each time, up to `maxDelayMs` (default 250). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Which errors are worth another try (default: unreachable, 5xx and Knative's retried 4xx). */
  readonly retryable?: (error: unknown) => boolean;
  /** Told about each failed try that will be retried. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** For tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Broker answers that Knative's data plane retries (specs/eventing/data-plane.md). */
const RETRIED_STATUS = new Set([404, 408, 409, 429]);

/** Whether a publish failure may succeed later: unreachable, 5xx, or a status Knative retries. */
export function isRetryablePublishError(error: unknown): boolean {
  if (!(error instanceof PublishError)) return false;
  const status = error.status;
  return status === undefined || status >= 500 || RETRIED_STATUS.has(status);
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a failed publish with exponential backoff and a little jitter, then throws the last
 * error. Safe because the Job's event ids are deterministic: a publish that reached the broker
 * but whose answer was lost arrives twice with one id, and subscribers dedupe on source + id.
 * @example new RetryingPublisher(new HttpPublisher(sinkUrl), { attempts: 4 })
 */
export class RetryingPublisher implements Publisher {
  readonly #inner: Publisher;
  readonly #options: RetryOptions;

  constructor(inner: Publisher, options: RetryOptions = {}) {
    this.#inner = inner;
    this.#options = options;
  }

  async publish(event: CloudEvent<unknown>): Promise<void> {
    const {
      attempts = 4,
      baseDelayMs = 250,
      maxDelayMs = 5_000,
      retryable = isRetryablePublishError,
      onRetry,
      sleep = wait,
    } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#inner.publish(event);
      } catch (error) {
        if (attempt >= attempts || !retryable(error)) throw error;
        // Jitter in [50 %, 100 %] keeps a fleet of retried pods from hitting the broker in step.
        const delay =
          Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        onRetry?.(error, attempt, delay);
        await sleep(delay);
      }
    }
  }
}

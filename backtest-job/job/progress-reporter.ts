// Sends a running shard's progress at most once per interval; progress is best-effort, never fatal.

/** Sends one progress report; may reject, which is logged and forgotten. */
export type SendProgress = (done: number, total: number) => Promise<void>;

/**
 * Throttles the sweep's progress callbacks into at most one send per `intervalMs`, and never
 * more than one in flight. The sweep calls back synchronously from its loop, so on one thread
 * a send starts there but only goes out once the loop yields; `close` waits for it, so no
 * progress event is sent after the shard's results.
 */
export class ProgressReporter {
  readonly #send: SendProgress;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  #last: number;
  #inFlight: Promise<void> | undefined;
  #closed = false;

  constructor(
    send: SendProgress,
    options: { intervalMs: number; onError: (error: unknown) => void; now?: () => number },
  ) {
    this.#send = send;
    this.#intervalMs = options.intervalMs;
    this.#onError = options.onError;
    this.#now = options.now ?? (() => performance.now());
    this.#last = this.#now();
  }

  /** The sweep's onProgress. The final count is left out: `shard.completed` says it. */
  readonly report = (done: number, total: number): void => {
    if (this.#closed || done >= total || this.#inFlight) return;
    const now = this.#now();
    if (now - this.#last < this.#intervalMs) return;
    this.#last = now;
    this.#inFlight = this.#send(done, total)
      .catch(this.#onError)
      .finally(() => {
        this.#inFlight = undefined;
      });
  };

  /** Stops sending and waits for a send in flight, if any. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inFlight;
  }
}

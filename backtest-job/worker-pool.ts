// Long-lived sweep workers: started once per process, warm for every later sweep.
import { Worker } from "node:worker_threads";

/** A job for every worker of the pool; the worker replies with `done` or `error`. */
export type WorkerReply =
  | { readonly kind: "done" }
  | { readonly kind: "error"; readonly message: string };

// From source the worker is TypeScript, started through a small tsx bootstrap; a build
// (npm run build) runs the compiled JavaScript worker directly.
const WORKER_URL = import.meta.url.endsWith(".ts")
  ? new URL("./sweep-worker-boot.mjs", import.meta.url)
  : new URL("./sweep-worker.js", import.meta.url);

/**
 * A fixed set of worker threads. Workers are unref'd, so an idle pool never keeps the
 * process alive, and they keep their JIT-compiled code between sweeps.
 */
export class WorkerPool {
  readonly size: number;
  readonly #workers: Worker[] = [];

  constructor(size: number) {
    this.size = size;
  }

  #worker(k: number): Worker {
    let worker = this.#workers[k];
    if (!worker) {
      worker = new Worker(WORKER_URL);
      worker.unref();
      this.#workers[k] = worker;
      worker.once("exit", () => {
        if (this.#workers[k] === worker) delete this.#workers[k];
      });
    }
    return worker;
  }

  /** Sends `message` to every worker and resolves when all have replied `done`. */
  runAll(message: unknown): Promise<void> {
    return Promise.all(
      Array.from({ length: this.size }, (_, k) => {
        const worker = this.#worker(k);
        return new Promise<void>((resolve, reject) => {
          const onExit = (code: number) =>
            reject(new Error(`sweep worker exited with code ${code}`));
          const onError = (error: Error) => reject(error);
          worker.ref();
          worker.once("error", onError);
          worker.once("exit", onExit);
          worker.once("message", (reply: WorkerReply) => {
            worker.off("error", onError);
            worker.off("exit", onExit);
            worker.unref();
            if (reply.kind === "done") resolve();
            else reject(new Error(`sweep worker failed: ${reply.message}`));
          });
          worker.postMessage(message);
        });
      }),
    ).then(() => undefined);
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.terminate()));
    this.#workers.length = 0;
  }
}

// Runs a request property against a listening server: several fast-check runners at once, one tally.
import fc from "fast-check";
import { type Exchange, exchange } from "./raw-exchange.ts";
import { verdict } from "./verdict.ts";
import { encode, halfCloses, showRequest, type WireRequest } from "./wire-request.ts";

export interface FuzzOptions {
  readonly port: number;
  readonly requests: fc.Arbitrary<WireRequest>;
  /** Requests in all, split evenly over the runners. */
  readonly runs: number;
  /** Runners at once, each a `fc.check` of its own seed: the requests in flight. */
  readonly concurrency: number;
  /** A request without a complete answer after this long has hung. */
  readonly timeoutMs: number;
  /**
   * Base seed; runner i uses seed + i. Random when left out. A failure prints its runner's
   * seed: given as this, runner 0 draws the same requests again.
   */
  readonly seed?: number;
  /**
   * How long a runner may take in all, shrinking included, before it stops and reports what
   * it has (default 100 s): a hanging counterexample costs `timeoutMs` per shrink step.
   */
  readonly budgetMs?: number;
}

/** What a fuzz run did: cases sent, time taken, outcomes by kind, and the first failure. */
export interface FuzzReport {
  /** Generated requests that passed, over all runners; `runs` when nothing failed or stopped. */
  readonly passed: number;
  /** Requests sent, shrinking included. */
  readonly cases: number;
  readonly ms: number;
  /** `200`, `404`, `closed`, ... with how many times each. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The first runner's shrunk counterexample, with its seed and path to replay it. */
  readonly failure?: string;
}

/** `400`, or `400 node` for node's own bodiless answer to what its parser refused, or `closed`... */
function outcomeKey(e: Exchange): string {
  if (e.kind !== "response") return e.kind;
  const own = e.body.length === 0 && !/\r\ncontent-type:/i.test(e.head);
  return own && e.status >= 400 ? `${e.status} node` : String(e.status);
}

/**
 * Sends `runs` generated requests, `concurrency` at a time, each on a fresh connection, and
 * checks every answer with {@link verdict}. A failing runner shrinks its counterexample to a
 * minimal request (fast-check), while the other runners finish their share.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {};
  let cases = 0;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  const host = `127.0.0.1:${options.port}`;
  const property = fc.asyncProperty(options.requests, async (request) => {
    const answer = await exchange(encode(request, host), {
      port: options.port,
      cuts: request.cuts,
      halfClose: halfCloses(request),
      timeoutMs: options.timeoutMs,
    });
    cases++;
    const key = outcomeKey(answer);
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    const problem = verdict(request, answer);
    if (problem) throw new Error(problem);
  });
  const share = Math.ceil(options.runs / options.concurrency);
  const runners = Math.ceil(options.runs / share);
  const results = await Promise.all(
    Array.from({ length: runners }, (_, i) =>
      fc.check(property, {
        numRuns: Math.min(share, options.runs - i * share),
        seed: seed + i,
        interruptAfterTimeLimit: options.budgetMs ?? 100_000,
        markInterruptAsFailure: false,
      }),
    ),
  );
  const failed = results.find((r) => r.failed);
  let failure: string | undefined;
  if (failed?.counterexample) {
    const [request] = failed.counterexample;
    const error =
      failed.errorInstance instanceof Error
        ? failed.errorInstance.message
        : String(failed.errorInstance);
    failure = [
      error,
      `request: ${showRequest(request)}`,
      `replay: seed ${failed.seed}, path "${failed.counterexamplePath}" (${failed.numShrinks} shrinks)`,
    ].join("\n");
  }
  const passed = results.reduce((sum, r) => sum + (r.failed ? 0 : r.numRuns), 0);
  return { passed, cases, ms: Math.round(performance.now() - started), outcomes, failure };
}

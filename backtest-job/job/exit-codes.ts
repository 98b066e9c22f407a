// The Job's exit codes, and the one place where an error becomes an exit code and a FailureCode.
import type { FailureCode } from "../../events/index.ts";
import { EngineError } from "../engine/errors.ts";
import { BadInput, TransientFailure } from "./job-errors.ts";
import { isRetryablePublishError } from "./retrying-publisher.ts";

/**
 * How the Job process ends. Launchers read these: 2 is never retried (a podFailurePolicy
 * `FailIndex` rule on exit code 2), 75 and 1 may be (backoffLimitPerIndex).
 * 75 is sysexits.h's EX_TEMPFAIL, "try again later".
 */
export const EXIT = {
  ok: 0,
  /** A bug or anything unforeseen. */
  unexpected: 1,
  /** Bad request, data not found, outside DATA_DIR, too large, HTTP 4xx. */
  badInput: 2,
  /** Network error, broker unreachable, 5xx, timeout. */
  transient: 75,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a failure means for the run: the `shard.failed` code and the exit code. */
export interface Failure {
  readonly exitCode: ExitCode;
  readonly code: FailureCode;
  /** One line, at most 2,000 characters (the `reason` limit of `shard.failed`). */
  readonly reason: string;
}

/**
 * Classifies an error: engine errors and {@link BadInput} are the requester's to fix (2),
 * {@link TransientFailure} and a retryable broker failure may pass (75), the rest is ours (1).
 */
export function classifyFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BadInput || error instanceof EngineError) {
    return { exitCode: EXIT.badInput, code: "bad_input", reason: oneLine(message) };
  }
  if (error instanceof TransientFailure || isRetryablePublishError(error)) {
    return { exitCode: EXIT.transient, code: "transient", reason: oneLine(message) };
  }
  return { exitCode: EXIT.unexpected, code: "crashed", reason: oneLine(`internal: ${message}`) };
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
  return line.length > 2000 ? `${line.slice(0, 1997)}...` : line;
}

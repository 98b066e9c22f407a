// The Job's two failure kinds besides engine errors: input it can never use, and outages worth a retry.

/**
 * Input the Job can never use, whatever the retry: a bad REQUEST, data that is missing,
 * outside DATA_DIR, too large, or refused by its server with a 4xx.
 */
export class BadInput extends Error {
  readonly code = "bad_input";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BadInput";
  }
}

/** Something outside the Job failed and may work later: a network error, a 5xx, a timeout. */
export class TransientFailure extends Error {
  readonly code = "transient";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientFailure";
  }
}

// The CLI's bad-input error, and a helper that pins an engine error on the flag that caused it.
import { EngineError } from "../engine/errors.ts";

/**
 * Input the user can fix: a missing or malformed flag, unreadable data, invalid parameters.
 * The message is one line and names where the problem is (a flag, a CSV line and column).
 */
export class BadInput extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BadInput";
  }
}

/**
 * Runs `fn`, and turns an {@link EngineError} it throws into a {@link BadInput} prefixed with
 * `flag`, because engine messages say what is wrong but not which flag supplied the value.
 * Other errors pass through untouched: they are bugs, not bad input.
 * @example blame("--data", () => parseCsv(text)) // "--data: CSV line 7, column Close: ..."
 */
export function blame<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof EngineError) {
      throw new BadInput(`${flag}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

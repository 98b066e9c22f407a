// A cardinality guard for label values that arrive from outside the process.

/**
 * Passes through the first `limit` distinct values it sees and answers `other` for any
 * later one, so that a misbehaving client cannot create unbounded series.
 *
 * @example
 * const subscribers = new BoundedLabel(32);
 * deadLetters.inc({ subscriber: subscribers.of(name) });
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#limit) return "other";
    this.#seen.add(value);
    return value;
  }
}

// A clock that moves only when told to, so tests cross TTLs and windows without sleeping.

/**
 * Pass `clock.now` wherever an adapter takes `now: () => number`.
 *
 * @example
 * const clock = new ManualClock();
 * const guard = new MemoryReplayGuard(clock.now);
 * clock.advance(61_000);
 */
export class ManualClock {
  #ms: number;

  /** Starts at `startMs`; the default is the top of an hour, so any window dividing an hour starts there. */
  constructor(startMs = Date.UTC(2030, 0, 1)) {
    this.#ms = startMs;
  }

  /** Milliseconds since the epoch; a bound arrow so it can be handed over as is. */
  readonly now = (): number => this.#ms;

  advance(ms: number): void {
    this.#ms += ms;
  }
}

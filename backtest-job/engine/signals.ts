// Signal bits that strategies write, as sparse events, and the order each one asks for.

/** Enter long (closing any short first). */
export const SIGNAL_LONG = 1;
/** Enter short (closing any long first); in long-only mode, close the long instead. */
export const SIGNAL_SHORT = 2;
/** Close a long position, if any. */
export const SIGNAL_EXIT_LONG = 4;
/** Close a short position, if any. */
export const SIGNAL_EXIT_SHORT = 8;

/** Target position after a signal: +1 long, -1 short, 0 flat, or NO_ORDER. */
export const NO_ORDER = 2;

function decide(bits: number, position: number, longOnly: boolean): number {
  if (bits & SIGNAL_LONG) return position <= 0 ? 1 : NO_ORDER;
  if (bits & SIGNAL_SHORT) {
    if (longOnly) return position > 0 ? 0 : NO_ORDER;
    return position >= 0 ? -1 : NO_ORDER;
  }
  if (bits & SIGNAL_EXIT_LONG && position > 0) return 0;
  if (bits & SIGNAL_EXIT_SHORT && position < 0) return 0;
  return NO_ORDER;
}

/**
 * The order every (signal bits, position) pair asks for, as a table indexed by
 * `bits * 3 + position + 1`. Entries win over exits; a signal that would not change the
 * position places no order (no pyramiding, one position at a time). A table lets the sweep
 * kernel decide without a call in its hot loop.
 */
export function orderTable(longOnly: boolean): Int8Array {
  const table = new Int8Array(16 * 3);
  for (let bits = 0; bits < 16; bits++) {
    for (let position = -1; position <= 1; position++) {
      table[bits * 3 + position + 1] = decide(bits, position, longOnly);
    }
  }
  return table;
}

/** Index of a position's sign in an {@link orderTable} row. */
export function positionSlot(units: number): number {
  return units > 0 ? 2 : units < 0 ? 0 : 1;
}

/**
 * The bars at which a strategy signalled, in ascending order, with their bits. Sparse,
 * because signals are rare: the sweep kernel then runs between events without looking.
 */
export interface SignalBuffer {
  readonly bars: Int32Array;
  readonly bits: Uint8Array;
  /** Number of events written. */
  count: number;
}

/** A buffer for up to `length` events (one per bar at most). */
export function signalBuffer(length: number): SignalBuffer {
  return { bars: new Int32Array(length), bits: new Uint8Array(length), count: 0 };
}

/** The events as one bits value per bar, for tests and for reading by bar. */
export function denseSignals(buffer: SignalBuffer, length: number): Uint8Array {
  const dense = new Uint8Array(length);
  for (let e = 0; e < buffer.count; e++) dense[buffer.bars[e]] = buffer.bits[e];
  return dense;
}

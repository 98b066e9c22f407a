// Per-bar signal bits that strategies write and the simulation reads.

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

/**
 * The order a bar's signal bits ask for, given the position's sign (`-1`, `0`, `1`).
 * Entries win over exits; a signal that would not change the position places no order
 * (no pyramiding, one position at a time).
 */
export function targetFor(bits: number, position: number, longOnly: boolean): number {
  if (bits & SIGNAL_LONG) return position <= 0 ? 1 : NO_ORDER;
  if (bits & SIGNAL_SHORT) {
    if (longOnly) return position > 0 ? 0 : NO_ORDER;
    return position >= 0 ? -1 : NO_ORDER;
  }
  if (bits & SIGNAL_EXIT_LONG && position > 0) return 0;
  if (bits & SIGNAL_EXIT_SHORT && position < 0) return 0;
  return NO_ORDER;
}

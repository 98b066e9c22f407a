// A one-line progress bar for a terminal, redrawn in place with a carriage return.

const WIDTH = 30;
/** Erase to end of line (ANSI EL), so a shorter redraw leaves no tail of the previous one. */
const CLEAR_LINE = "\r\x1b[K";

/** A progress bar writing to `write`; `update` is cheap to call often. */
export interface ProgressBar {
  update(done: number, total: number): void;
  /** Erases the line so the next output starts clean. Safe to call twice. */
  clear(): void;
}

/**
 * Draws `[#######-------]  1234/5000  24.7%`. Redraws only when the tenth of a percent
 * changes, because workers report often and a terminal write per report would cost more
 * than the work it reports.
 */
export function progressBar(write: (text: string) => void): ProgressBar {
  let shown = "";
  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const key = `${(fraction * 100).toFixed(1)}|${done === total}`;
      if (key === shown) return;
      shown = key;
      write(`${CLEAR_LINE}${progressLine(done, total)}`);
    },
    clear() {
      if (shown === "") return;
      shown = "";
      write(CLEAR_LINE);
    },
  };
}

/** The text of the bar for `done` of `total`. */
export function progressLine(done: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}`;
  return `[${bar}]  ${done}/${total}  ${(fraction * 100).toFixed(1)}%`;
}

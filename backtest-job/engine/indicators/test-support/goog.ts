// Test-only GOOG parity fixture: daily bars from the fixtures, and how far a series strays from a reference.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** GOOG's daily high, low and close columns, oldest first. */
export interface GoogBars {
  readonly length: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

// backtesting.py's GOOG.csv, committed with the parity fixtures.
const GOOG_CSV = new URL("../../fixtures/backtesting-py/GOOG.csv", import.meta.url);

/**
 * Reads GOOG.csv (header `,Open,High,Low,Close,Volume`), or returns `undefined` after a
 * `console.warn` naming `suite` when the file is absent, so the caller can
 * `describe.skipIf(!goog)`.
 */
export function loadGoog(suite: string): GoogBars | undefined {
  const path = fileURLToPath(GOOG_CSV);
  if (!existsSync(path)) {
    console.warn(
      `Skipping "${suite}": ${path} is absent (it is committed with the parity fixtures).`,
    );
    return undefined;
  }
  const lines = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "");
  const header = lines[0].split(",");
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${path}: no ${name} column in header "${lines[0]}"`);
    return index;
  };
  const [highAt, lowAt, closeAt] = [column("High"), column("Low"), column("Close")];
  const length = lines.length - 1;
  const high = new Float64Array(length);
  const low = new Float64Array(length);
  const close = new Float64Array(length);
  for (let row = 0; row < length; row++) {
    const cells = lines[row + 1].split(",");
    high[row] = Number(cells[highAt]);
    low[row] = Number(cells[lowAt]);
    close[row] = Number(cells[closeAt]);
    if (!(Number.isFinite(high[row]) && Number.isFinite(low[row]) && Number.isFinite(close[row]))) {
      throw new Error(`${path}:${row + 2}: high, low and close must be numbers`);
    }
  }
  return { length, high, low, close };
}

/** How `ours` compares with a reference series, as {@link divergence} measures it. */
export interface Divergence {
  /** Indices (the first 5) where exactly one of the two is defined. */
  readonly definedMismatches: readonly number[];
  /** Largest |ours - reference| / |scale| over the compared indices. */
  readonly worst: number;
  /** Where `worst` occurs, or -1 when nothing was compared. */
  readonly worstAt: number;
}

/**
 * Compares `ours` (NaN = undefined) with a reference (null = undefined, as trading-signals
 * returns before it is stable) from index `from` on. Errors are relative to the reference
 * value, or to `scale[i]` when given: use the price for a series that crosses zero, where a
 * relative error means nothing.
 */
export function divergence(
  ours: Float64Array,
  reference: readonly (number | null)[],
  options: { readonly from?: number; readonly scale?: Float64Array } = {},
): Divergence {
  const { from = 0, scale } = options;
  const definedMismatches: number[] = [];
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < ours.length; i++) {
    const theirs = reference[i];
    const defined = !Number.isNaN(ours[i]);
    if (defined !== (theirs !== null)) {
      if (definedMismatches.length < 5) definedMismatches.push(i);
      continue;
    }
    if (theirs === null || i < from) continue;
    const error =
      ours[i] === theirs ? 0 : Math.abs(ours[i] - theirs) / Math.abs(scale ? scale[i] : theirs);
    if (worstAt < 0 || error > worst) {
      worst = error;
      worstAt = i;
    }
  }
  return { definedMismatches, worst, worstAt };
}

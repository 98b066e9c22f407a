// Bars in SharedArrayBuffers, so sweep workers read one copy of the data.
import type { Bars } from "./engine/bars.ts";

/** The columns of {@link Bars}, each in its own SharedArrayBuffer. */
export interface SharedBars {
  readonly length: number;
  readonly columns: Record<
    "time" | "open" | "high" | "low" | "close" | "volume",
    SharedArrayBuffer
  >;
}

const COLUMNS = ["time", "open", "high", "low", "close", "volume"] as const;

/** Copies `bars` into shared memory once. */
export function shareBars(bars: Bars): SharedBars {
  const columns = {} as SharedBars["columns"];
  for (const name of COLUMNS) {
    const buffer = new SharedArrayBuffer(bars.length * 8);
    new Float64Array(buffer).set(bars[name]);
    columns[name] = buffer;
  }
  return { length: bars.length, columns };
}

/** Views shared columns as {@link Bars} without copying. */
export function sharedBarsView(shared: SharedBars): Bars {
  const view = (name: (typeof COLUMNS)[number]) => new Float64Array(shared.columns[name]);
  return {
    length: shared.length,
    time: view("time"),
    open: view("open"),
    high: view("high"),
    low: view("low"),
    close: view("close"),
    volume: view("volume"),
  };
}

// Test-only access to the sample data in ../shared/data, which a user's clone may not have.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Bars } from "../bars.ts";
import { parseCsv } from "../csv.ts";

/** The shared data folder next to the repository, as CI and developers have it. */
export const SHARED_DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

/** Whether the shared sample data is present; tests that need it skip otherwise. */
export const hasSharedData = existsSync(`${SHARED_DATA}GOOG.csv`);

if (!hasSharedData) {
  console.warn(
    `skipping tests on sample data: ${SHARED_DATA} is absent (it sits beside the repo in CI)`,
  );
}

const cache = new Map<string, Bars>();

/** Parses one of GOOG.csv, EURUSD.csv or BTCUSD.csv from the shared data folder. */
export function sharedBars(name: "GOOG.csv" | "EURUSD.csv" | "BTCUSD.csv"): Bars {
  let bars = cache.get(name);
  if (!bars) {
    bars = parseCsv(readFileSync(`${SHARED_DATA}${name}`, "utf8"));
    cache.set(name, bars);
  }
  return bars;
}

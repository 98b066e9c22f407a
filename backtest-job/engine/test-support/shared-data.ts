// Test-only access to sample data: GOOG and EURUSD committed with the parity fixtures,
// BTCUSD from ../shared/data, which a user's clone may not have.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Bars } from "../bars.ts";
import { parseCsv } from "../csv.ts";

/** backtesting.py 0.6.6's test data, byte for byte, inside the repository. */
export const FIXTURE_DATA = fileURLToPath(new URL("../fixtures/backtesting-py/", import.meta.url));

/** The shared data folder next to the repository, as CI and developers have it. */
export const SHARED_DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

/** Whether the shared BTCUSD sample is present; tests that need it skip otherwise. */
export const hasSharedData = existsSync(`${SHARED_DATA}BTCUSD.csv`);

if (!hasSharedData) {
  console.warn(
    `skipping BTCUSD cases: ${SHARED_DATA} is absent (it sits beside the repo in CI); ` +
      "GOOG and EURUSD come from the repository's fixtures",
  );
}

const cache = new Map<string, Bars>();

/** Parses GOOG.csv or EURUSD.csv (always present) or BTCUSD.csv (only with ../shared). */
export function sharedBars(name: "GOOG.csv" | "EURUSD.csv" | "BTCUSD.csv"): Bars {
  let bars = cache.get(name);
  if (!bars) {
    const folder = name === "BTCUSD.csv" ? SHARED_DATA : FIXTURE_DATA;
    bars = parseCsv(readFileSync(`${folder}${name}`, "utf8"));
    cache.set(name, bars);
  }
  return bars;
}

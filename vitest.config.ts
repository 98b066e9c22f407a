// Test runner settings: `unit` and `e2e` make `npm test`; `fault` runs only in `npm run test:fault`.
import { defineConfig } from "vitest/config";

/** Tests that start the whole stack, real processes or a browser, for seconds each. */
const E2E = ["**/*.e2e.test.ts", "**/*.process.test.ts", "**/*.browser.test.ts"];
/** The fault-injection suite: slow by design, and never part of `npm test`. */
const FAULT = ["fault/**"];
/** Images built and run by a Docker engine: only in `npm run test:containers`. */
const CONTAINERS = ["deploy-tests/containers/**"];
const NEVER = ["node_modules/**", "dist/**"];

/** What every project shares: forked workers, and the setup file that removes temp folders. */
const shared = {
  pool: "forks" as const,
  setupFiles: ["test-support/vitest-setup.ts"],
};

export default defineConfig({
  test: {
    // Global: how long vitest waits for workers and teardown to close at the end of the run.
    teardownTimeout: 120_000,
    projects: [
      {
        test: {
          ...shared,
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...NEVER, ...E2E, ...FAULT, ...CONTAINERS],
          testTimeout: 30_000,
          // Vitest's 10 s default is too little for a hook on a busy 2-core machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          ...shared,
          name: "e2e",
          include: E2E,
          exclude: [...NEVER, ...FAULT, ...CONTAINERS],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One file at a time, after the unit files: each starts Jobs or a browser of its own,
          // and two at once on two cores make both slow enough to time out.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...shared,
          name: "fault",
          include: ["fault/**/*.test.ts"],
          exclude: NEVER,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          ...shared,
          name: "containers",
          include: ["deploy-tests/containers/**/*.test.ts"],
          exclude: NEVER,
          // Builds the base and application images once, before any file runs.
          globalSetup: ["deploy-tests/containers/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // One file at a time: each starts a network of containers on a 2-core machine.
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});

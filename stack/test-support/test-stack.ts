// The embedded stack for a test: a fresh DATA_HOME, test adapters, and nothing left open if it fails to start.
import { loadConfig } from "../../platform/config.ts";
import { createLogger } from "../../platform/log.ts";
import { tempDir } from "../../test-support/temp-dir.ts";
import { type Stack, type StackOverrides, startStack } from "../start-stack.ts";
import { testAdapters } from "./test-adapters.ts";

/**
 * Starts the stack on a free port, with `env` over a fresh temporary DATA_HOME and the test
 * adapters (or `overrides.adapters`), logging as `name`. The folder is removed by tempDir's
 * rules: after the test, or after the file's last hook when started in a beforeAll, so stop
 * the stack in the test's `finally` or in an afterAll. If the stack fails to start, the
 * adapters are closed before the error is thrown again: a failed beforeAll leaves no pool open.
 */
export async function startTestStack(
  env: Record<string, string>,
  name: string,
  overrides: StackOverrides = {},
): Promise<Stack> {
  const adapters = overrides.adapters ?? (await testAdapters());
  try {
    // Insecure URLs on, as `npm start` has them: tests call back to and fetch from loopback
    // listeners. A test of the strict policy passes ALLOW_INSECURE_URLS: "false" in `env`.
    const config = loadConfig({
      PORT: "0",
      DATA_HOME: tempDir(`zixly-${name}-`),
      ALLOW_INSECURE_URLS: "true",
      ...env,
    });
    return await startStack(config, createLogger(name), { ...overrides, adapters });
  } catch (error) {
    // The start's error is the one to report: a failure to close as well must not replace it.
    await adapters.close().catch((closing: unknown) => {
      console.warn(`test adapters not closed after a failed start: ${String(closing)}`);
    });
    throw error;
  }
}

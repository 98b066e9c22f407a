// Temporary folders for tests, removed when the test that made them ends, or else their file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, onTestFinished, TestRunner } from "vitest";

/** Folders made outside a test (a beforeAll, a describe), removed after the file's last hook. */
const madeForTheFile: string[] = [];
let fileCleanupRegistered = false;

/**
 * Makes a fresh folder under the OS temp dir and returns its path.
 *
 * Made in a test (or its beforeEach), it is removed when that test finishes: after the test's
 * own `finally` blocks and its afterEach hooks. Made in a beforeAll, it is removed after the
 * file's last afterAll hook, so a stack started on it has been stopped by then. Either way the
 * folder goes whether the test passed or not.
 *
 * @example
 * beforeAll(async () => {
 *   stack = await startStack(loadConfig({ DATA_HOME: tempDir("zixly-e2e-") }), log);
 * });
 * afterAll(async () => {
 *   await stack?.stop();
 * });
 */
export function tempDir(prefix: string): string {
  const inTest = TestRunner.getCurrentTest() !== undefined;
  if (!inTest && !fileCleanupRegistered) {
    // Without the setup file nothing would remove it: say so rather than leak it.
    throw new Error(
      "tempDir() outside a test needs test-support/vitest-setup.ts in the project's setupFiles",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (inTest) onTestFinished(() => removeDir(dir));
  else madeForTheFile.push(dir);
  return dir;
}

/**
 * Registers, once per test file, the afterAll that removes the folders made outside a test.
 * Called by the setup file, before any hook of the test file is registered: vitest runs
 * afterAll hooks in reverse order (`sequence.hooks: "stack"`, its default), so this one runs
 * last, after the file's own hooks have stopped whatever used the folders.
 */
export function registerFileCleanup(): void {
  fileCleanupRegistered = true;
  afterAll(() => {
    for (const dir of madeForTheFile.splice(0)) removeDir(dir);
  });
}

function removeDir(dir: string): void {
  // Retried: a child process that has just exited may still hold a file open in it.
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

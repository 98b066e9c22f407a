// Teardown that always runs: child processes, servers and temp folders, even after a failed setup.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Step {
  readonly name: string;
  readonly run: () => Promise<void> | void;
  /** A synchronous last resort for process exit, when no await is possible. */
  readonly emergency?: () => void;
}

/** Every open Cleanup, so that a worker that exits early still kills what it started. */
const open = new Set<Cleanup>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const cleanup of open) cleanup.emergency();
  });
}

/**
 * Teardown steps, run last-in first-out by {@link Cleanup.runAll} (call it in afterAll).
 * Steps are added as things are created, so a setup that fails halfway leaves a list of
 * exactly what exists. A failing step is logged and the others still run.
 */
export class Cleanup {
  #steps: Step[] = [];

  constructor() {
    open.add(this);
    hookExit();
  }

  /** Adds a step; the returned function removes it (for things that were released early). */
  add(name: string, run: Step["run"], emergency?: Step["emergency"]): () => void {
    const step: Step = { name, run, emergency };
    this.#steps.push(step);
    return () => {
      this.#steps = this.#steps.filter((s) => s !== step);
    };
  }

  /** A fresh folder under the system temp dir, removed at cleanup. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `zixly-fault-${prefix}-`));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    this.add(`remove ${dir}`, remove, remove);
    return dir;
  }

  /** Runs every step, newest first; resolves when all have run. */
  async runAll(): Promise<void> {
    const steps = this.#steps.reverse();
    this.#steps = [];
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        console.error(`fault cleanup: ${step.name} failed: ${String(error)}`);
      }
    }
    open.delete(this);
  }

  /** Synchronous steps only, for process exit. */
  emergency(): void {
    for (const step of this.#steps.reverse()) {
      try {
        step.emergency?.();
      } catch {
        // Exiting anyway: nothing left to report to.
      }
    }
    this.#steps = [];
  }
}

// A JobLauncher that records launch and cancel calls instead of starting Jobs.
import type { JobLauncher, ShardSpec } from "../../platform/ports.ts";

/** Records every call; set `failLaunch` to make `launch` throw as a refused cluster API. */
export class FakeJobLauncher implements JobLauncher {
  readonly launches: { runId: string; shards: readonly ShardSpec[] }[] = [];
  readonly cancels: string[] = [];
  failLaunch = false;
  /** Runs that `holds` answers true for; unset, the launcher does not implement `holds`. */
  held?: Set<string>;

  async launch(runId: string, shards: readonly ShardSpec[]): Promise<void> {
    if (this.failLaunch) throw new Error("cluster API unavailable (test)");
    this.launches.push({ runId, shards: structuredClone(shards) });
  }

  holds?(runId: string): boolean;

  constructor(options: { holds?: boolean } = {}) {
    if (options.holds) {
      this.held = new Set();
      this.holds = (runId) => this.held!.has(runId);
    }
  }

  async cancel(runId: string): Promise<void> {
    this.cancels.push(runId);
  }
}

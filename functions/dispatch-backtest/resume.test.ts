// Resuming after a restart: only running runs, only their unfinished shards, with their request and trace.
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../test-support/fake-job-launcher.ts";
import { REQUEST, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { resumeRuns, resumeWhenReady } from "./resume.ts";

let store: MemoryRunStore;
let launcher: FakeJobLauncher;

beforeEach(() => {
  store = new MemoryRunStore();
  launcher = new FakeJobLauncher();
});

async function run(name: string, shardCount: number, status: "queued" | "running" | "failed") {
  const runId = runIdFor(name);
  await store.createRun({
    runId,
    source: "backtest",
    request: REQUEST,
    combinations: 4,
    shardCount,
    traceparent: TRACEPARENT,
  });
  if (status !== "queued") await store.markRunning(runId);
  if (status === "failed") await store.failRun(runId, "crashed", "gone");
  return runId;
}

const done = (runId: string, shardIndex: number, shardCount: number) =>
  store.recordShardPart({
    runId,
    shardIndex,
    shardCount,
    partIndex: 0,
    partCount: 1,
    paramNames: ["fast", "slow"],
    rows: [[shardIndex, [5, 20], [1, 1, 1, 1, 1, 1, 1, 1, 1]]],
  });

describe("resumeRuns", () => {
  it("launches the unfinished shards of running runs, and nothing of queued or finished ones", async () => {
    const a = await run("a", 3, "running");
    await done(a, 1, 3);
    const b = await run("b", 1, "running");
    await run("queued", 2, "queued");
    await run("failed", 2, "failed");
    const finished = await run("all-done", 1, "running");
    await done(finished, 0, 1);

    const report = await resumeRuns({ store, launcher, log: silentLogger() });
    expect(report).toEqual({ runs: 2, shards: 3 });
    const launched = Object.fromEntries(
      launcher.launches.map((l) => [l.runId, l.shards.map((s) => s.shardIndex)]),
    );
    expect(launched).toEqual({ [a]: [0, 2], [b]: [0] });
    const spec = launcher.launches.find((l) => l.runId === a)!.shards[0]!;
    expect(spec).toMatchObject({ shardCount: 3, traceparent: TRACEPARENT });
    expect(spec.request).toEqual(REQUEST);
  });

  it("pages through more running runs than one page holds", async () => {
    for (let i = 0; i < 5; i++) await run(`r${i}`, 1, "running");
    const report = await resumeRuns({ store, launcher, log: silentLogger(), page: 2 });
    expect(report.runs).toBe(5);
    expect(new Set(launcher.launches.map((l) => l.runId)).size).toBe(5);
  });

  it("lets a launcher fault through, so the caller sees that nothing was resumed", async () => {
    await run("a", 1, "running");
    launcher.failLaunch = true;
    await expect(resumeRuns({ store, launcher, log: silentLogger() })).rejects.toThrow(/cluster/);
  });
});

describe("resumeWhenReady", () => {
  it("keeps trying while the launcher (or the store) fails, then resumes once", async () => {
    await run("a", 1, "running");
    launcher.failLaunch = true;
    const waits: number[] = [];
    const report = await resumeWhenReady(
      { store, launcher, log: silentLogger() },
      100,
      async (ms) => {
        waits.push(ms);
        if (waits.length === 3) launcher.failLaunch = false;
      },
    );
    expect(report).toEqual({ runs: 1, shards: 1 });
    expect(waits).toEqual([100, 200, 400]);
  });
});

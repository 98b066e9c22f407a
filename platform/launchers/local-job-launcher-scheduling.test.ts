// LocalJobLauncher shares its slots between runs: a small run is not held up behind a huge one.
import { describe, expect, it } from "vitest";
import { note, runId, shards, until, useLaunchers } from "./test-support/launcher-harness.ts";

const make = useLaunchers();

/** "a0" for shard 0 of run_aaa…: the run's letter and the shard index. */
const TAG = "process.env.RUN_ID[4] + process.env.JOB_COMPLETION_INDEX";

describe("LocalJobLauncher scheduling", () => {
  it("starts a 2-shard run launched behind a 20-shard run at the next free slot (was: after all 20)", async () => {
    // One slot, so the children's notes are in start order.
    const script = `${note(`"start " + ${TAG}`)} setTimeout(() => { ${note(`"end " + ${TAG}`)} }, 100);`;
    const { launcher, lines } = make("small-behind-huge", script, { concurrency: 1 });
    await launcher.launch(runId("a"), shards(runId("a"), 20));
    await launcher.launch(runId("b"), shards(runId("b"), 2));
    await until(async () => (await lines()).includes("end b1"));
    expect((await lines()).filter((l) => l.startsWith("start"))).toEqual([
      "start a0",
      "start b0",
      "start a1",
      "start b1",
    ]);
    // B is done while most of A still waits.
    expect(launcher.stats().queued).toBeGreaterThanOrEqual(15);
  });

  it("takes three runs in strict rotation, each run's shards in order", async () => {
    const { launcher, lines } = make("rotation", note(TAG), { concurrency: 1 });
    await launcher.launch(runId("a"), shards(runId("a"), 3));
    await launcher.launch(runId("b"), shards(runId("b"), 3));
    await launcher.launch(runId("c"), shards(runId("c"), 2));
    expect(await launcher.drain(10_000)).toBe(true);
    expect(await lines()).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2"]);
  });

  it("re-runs a shard before the rest of its run's queue", async () => {
    // Shard 0 fails transiently once. Its slot goes to shard 1 while the re-run waits out its
    // delay (0 ms, still a timer turn); then the re-run goes first in its run, ahead of shard 2.
    const script = `
      const fs = require("fs");
      const mark = process.env.OUT + ".failed-once";
      ${note(TAG)}
      if (process.env.JOB_COMPLETION_INDEX === "0" && !fs.existsSync(mark)) {
        fs.writeFileSync(mark, "");
        process.exit(75);
      }`;
    const { launcher, lines, events } = make("retry-first", script, { concurrency: 1 });
    await launcher.launch(runId("a"), shards(runId("a"), 4));
    expect(await launcher.drain(10_000)).toBe(true);
    expect(await lines()).toEqual(["a0", "a1", "a0", "a2", "a3"]);
    expect(events).toEqual([]);
  });

  it("cancels one run and keeps the rotation of the others", async () => {
    const script = `${note(TAG)} setTimeout(() => {}, 50);`;
    const { launcher, lines } = make("cancel-rotation", script, { concurrency: 1 });
    await launcher.launch(runId("a"), shards(runId("a"), 2));
    await launcher.launch(runId("b"), shards(runId("b"), 2));
    await launcher.launch(runId("c"), shards(runId("c"), 2));
    expect(launcher.stats()).toMatchObject({ running: 1, queued: 5 });
    await launcher.cancel(runId("b"));
    expect(launcher.stats()).toMatchObject({ running: 1, queued: 3 });
    expect(await launcher.drain(10_000)).toBe(true);
    expect(await lines()).toEqual(["a0", "c0", "a1", "c1"]);
  });
});

describe("LocalJobLauncher.holds", () => {
  it("holds a run while a shard of it is queued or running, and lets go once all ended", async () => {
    const script = "setTimeout(() => {}, 150);";
    const { launcher } = make("holds", script, { concurrency: 1 });
    await launcher.launch(runId("a"), shards(runId("a"), 1));
    await launcher.launch(runId("b"), shards(runId("b"), 1));
    // a runs, b waits for the one slot: both are held, an unknown run is not.
    expect([launcher.holds(runId("a")), launcher.holds(runId("b"))]).toEqual([true, true]);
    expect(launcher.holds(runId("c"))).toBe(false);
    expect(await launcher.drain(10_000)).toBe(true);
    expect([launcher.holds(runId("a")), launcher.holds(runId("b"))]).toEqual([false, false]);
  });
});

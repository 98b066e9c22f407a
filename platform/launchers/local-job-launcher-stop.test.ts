// LocalJobLauncher.stop: no shard starts, running ones get a grace period, the rest is left resumable.
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { note, runId, shards, until, useLaunchers } from "./test-support/launcher-harness.ts";

const make = useLaunchers();

const INDEX = "process.env.JOB_COMPLETION_INDEX";
/** Notes its start, runs `ms`, notes its end and exits 0. */
const working = (ms: number) =>
  `${note(`"start " + ${INDEX}`)} setTimeout(() => { ${note(`"end " + ${INDEX}`)} }, ${ms});`;

/**
 * Notes its start, waits until the test calls `release(out)`, notes its end and exits with
 * `code`: the test decides when the child ends, whatever the machine's speed.
 */
const held = (code: number) => `
  ${note(`"start " + ${INDEX}`)}
  setInterval(() => {
    if (!require("fs").existsSync(process.env.OUT + ".go")) return;
    ${note(`"end " + ${INDEX}`)}
    process.exit(${code});
  }, 10);`;
const release = (out: string) => writeFile(`${out}.go`, "");

describe("LocalJobLauncher.stop", () => {
  it("lets a child that ends within the grace period finish; it is not in the report", async () => {
    const { launcher, lines, events } = make("stop-finishes", working(150));
    await launcher.launch(runId("a"), shards(runId("a"), 1));
    await until(async () => (await lines()).includes("start 0"));
    expect(await launcher.stop(5_000)).toEqual({ unfinished: {}, interrupted: 0 });
    expect(await lines()).toEqual(["start 0", "end 0"]);
    expect(events).toEqual([]);
    expect(launcher.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it("kills a slow child at the grace period, publishes no shard.failed, retries nothing and reports it", async () => {
    // Shard 1 ignores SIGTERM, so it takes the SIGKILL after killGraceMs. No retries: a
    // killed child would otherwise be reported as crashed at once.
    const script = `if (${INDEX} === "1") process.on("SIGTERM", () => {}); ${note(`"start " + ${INDEX}`)} setInterval(() => {}, 1000);`;
    const { launcher, lines, events } = make("stop-kills", script, {
      killGraceMs: 100,
      maxRetries: 0,
    });
    await launcher.launch(runId("b"), shards(runId("b"), 2));
    await until(async () => (await lines()).length === 2);
    const began = Date.now();
    const report = await launcher.stop(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(report).toEqual({ unfinished: { [runId("b")]: [0, 1] }, interrupted: 2 });
    expect(launcher.stats()).toEqual({ running: 0, queued: 0, started: 2 });
    expect(events).toEqual([]);
    expect(await launcher.drain(0)).toBe(true);
  });

  it("starts no queued or retrying shard after stop and reports them as unfinished", async () => {
    // Run a's only shard fails transiently and waits a minute for its re-run; run b takes
    // the slot, and its second shard is still queued when stop comes.
    const script = `if (process.env.RUN_ID === "${runId("a")}") { ${note(`"a " + ${INDEX}`)} process.exit(75); } ${held(0)}`;
    const { launcher, lines, events, out } = make("stop-queued", script, {
      concurrency: 1,
      retryDelayMs: 60_000,
    });
    await launcher.launch(runId("a"), shards(runId("a"), 1));
    await launcher.launch(runId("b"), shards(runId("b"), 2));
    await until(async () => (await lines()).includes("start 0"));
    expect(launcher.stats()).toMatchObject({ running: 1, queued: 2 });
    const stopping = launcher.stop(5_000);
    await release(out);
    expect(await stopping).toEqual({
      unfinished: { [runId("a")]: [0], [runId("b")]: [1] },
      interrupted: 0,
    });
    expect(await lines()).toEqual(["a 0", "start 0", "end 0"]);
    expect(launcher.stats()).toEqual({ running: 0, queued: 0, started: 2 });
    expect(events).toEqual([]);
  });

  it("does not re-run a shard that fails transiently during the grace period, and reports it", async () => {
    const { launcher, lines, events, out } = make("stop-transient", held(75));
    await launcher.launch(runId("c"), shards(runId("c"), 1));
    await until(async () => (await lines()).length === 1);
    const stopping = launcher.stop(5_000);
    await release(out);
    expect(await stopping).toEqual({ unfinished: { [runId("c")]: [0] }, interrupted: 0 });
    expect(await lines()).toEqual(["start 0", "end 0"]);
    expect(launcher.stats().started).toBe(1);
    expect(events).toEqual([]);
  });

  it("starts nothing and records nothing on launch after stop; a second stop gives the same report", async () => {
    const { launcher, lines } = make("stop-launch", working(0));
    const stopped = launcher.stop(1_000);
    expect(await stopped).toEqual({ unfinished: {}, interrupted: 0 });
    await launcher.launch(runId("d"), shards(runId("d"), 2));
    expect(launcher.stats()).toEqual({ running: 0, queued: 0, started: 0 });
    expect(launcher.stop(1_000)).toBe(stopped);
    expect(await lines()).toEqual([]);
  });
});

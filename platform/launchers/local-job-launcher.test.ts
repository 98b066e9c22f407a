// LocalJobLauncher's Job policy: env contract, concurrency, deadline, retries, cancel and drain.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../backtest-job/job/exit-codes.ts";
import { JOB_EXIT, LAUNCHER_SOURCE } from "./local-job-launcher.ts";
import {
  note,
  REQUEST,
  runId,
  shards,
  until,
  useLaunchers,
} from "./test-support/launcher-harness.ts";

const make = useLaunchers();

describe("LocalJobLauncher", () => {
  it("gives each child the Job's env contract plus the extra env, and nothing else of ours", async () => {
    process.env.LAUNCHER_TEST_SECRET = "do not leak";
    const keys = [
      "RUN_ID",
      "JOB_COMPLETION_INDEX",
      "SHARD_COUNT",
      "K_SINK",
      "REQUEST",
      "TRACEPARENT",
      "DATA_DIR",
    ];
    const { launcher, lines } = make(
      "env",
      note(
        `JSON.stringify({ ...Object.fromEntries(${JSON.stringify(keys)}.map(k => [k, process.env[k]])), secret: process.env.LAUNCHER_TEST_SECRET ?? null })`,
      ),
      { env: { DATA_DIR: "/srv/data" } },
    );
    await launcher.launch(runId("a"), shards(runId("a"), 2, "00-trace-01"));
    expect(await launcher.drain(5_000)).toBe(true);
    delete process.env.LAUNCHER_TEST_SECRET;
    const seen = (await lines())
      .map((l) => JSON.parse(l))
      .sort((x, y) => x.JOB_COMPLETION_INDEX - y.JOB_COMPLETION_INDEX);
    expect(seen).toEqual(
      [0, 1].map((i) => ({
        RUN_ID: runId("a"),
        JOB_COMPLETION_INDEX: String(i),
        SHARD_COUNT: "2",
        K_SINK: "http://broker.local/",
        REQUEST: JSON.stringify(REQUEST),
        TRACEPARENT: "00-trace-01",
        DATA_DIR: "/srv/data",
        secret: null,
      })),
    );
  });

  it("runs at most `concurrency` children at once, over all runs, and resolves launch once queued", async () => {
    const script = `${note('"start " + Date.now()')} setTimeout(() => { ${note('"end " + Date.now()')} }, 150);`;
    const { launcher, lines } = make("concurrency", script, { concurrency: 2 });
    await launcher.launch(runId("b"), shards(runId("b"), 3));
    await launcher.launch(runId("c"), shards(runId("c"), 2));
    expect(launcher.stats()).toMatchObject({ running: 2, queued: 3 });
    expect(await launcher.drain(10_000)).toBe(true);
    const marks = (await lines()).map((l) => {
      const [kind, at] = l.split(" ");
      return { delta: kind === "start" ? 1 : -1, at: Number(at) };
    });
    expect(marks.filter((m) => m.delta === 1)).toHaveLength(5);
    let running = 0;
    let most = 0;
    for (const m of marks.sort((x, y) => x.at - y.at || x.delta - y.delta)) {
      running += m.delta;
      most = Math.max(most, running);
    }
    // The stats above show two at once; the children's own clocks only bound it from above,
    // since on a busy machine one child may boot after its sibling has already finished.
    expect(most).toBeLessThanOrEqual(2);
    expect(launcher.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it("launches a run once: a second launch of the same run starts nothing", async () => {
    const { launcher, lines } = make(
      "idempotent",
      note('"ran " + process.env.JOB_COMPLETION_INDEX'),
    );
    await launcher.launch(runId("d"), shards(runId("d"), 2));
    await launcher.launch(runId("d"), shards(runId("d"), 2));
    await launcher.drain(5_000);
    await launcher.launch(runId("d"), shards(runId("d"), 2));
    await launcher.drain(5_000);
    expect((await lines()).sort()).toEqual(["ran 0", "ran 1"]);
  });

  it("kills a shard past its deadline and publishes one shard.failed deadline", async () => {
    // The second child ignores SIGTERM: SIGKILL follows after the grace period.
    const script = `if (process.env.JOB_COMPLETION_INDEX === "1") process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);`;
    const { launcher, events, failures } = make("deadline", script, {
      deadlineSeconds: 0.3,
      killGraceMs: 100,
    });
    await launcher.launch(runId("e"), shards(runId("e"), 2, "00-trace-01"));
    expect(await launcher.drain(5_000)).toBe(true);
    expect(events.map((e) => [e.id, e.source, e.traceparent]).sort()).toEqual([
      [`${runId("e")}/0/failed`, LAUNCHER_SOURCE, "00-trace-01"],
      [`${runId("e")}/1/failed`, LAUNCHER_SOURCE, "00-trace-01"],
    ]);
    expect(failures().map((f) => [f.code, f.reason])).toEqual([
      ["deadline", "shard ran longer than 0.3 s"],
      ["deadline", "shard ran longer than 0.3 s"],
    ]);
  });

  it("re-runs a crash once, then publishes shard.failed crashed with the stderr tail", async () => {
    const script = `${note('"attempt"')} console.error("loading"); console.error("fatal: boom"); process.exit(3);`;
    const { launcher, events, failures, lines } = make("crash", script);
    await launcher.launch(runId("f"), shards(runId("f"), 1));
    expect(await launcher.drain(5_000)).toBe(true);
    expect(await lines()).toEqual(["attempt", "attempt"]);
    expect(events).toHaveLength(1);
    expect(failures()[0]).toMatchObject({
      code: "crashed",
      exitCode: 3,
      reason: "exit code 3; last stderr lines: loading | fatal: boom",
    });
  });

  it("reports a child killed by a signal, and one that cannot start, as crashed", async () => {
    const killed = make("signal", `process.kill(process.pid, "SIGKILL");`, { maxRetries: 0 });
    await killed.launcher.launch(runId("g"), shards(runId("g"), 1));
    await killed.launcher.drain(5_000);
    expect(killed.failures()[0].reason).toBe("killed by signal SIGKILL; no stderr output");

    const missing = make("missing", "", {
      command: { file: path.join(import.meta.dirname, "no-such-program"), args: [] },
      maxRetries: 0,
    });
    await missing.launcher.launch(runId("h"), shards(runId("h"), 1));
    await missing.launcher.drain(5_000);
    expect(missing.failures()[0]).toMatchObject({ code: "crashed" });
    expect(missing.failures()[0].reason).toMatch(/could not start: spawn .*ENOENT/);
  });

  it("does not retry or publish after exit code 2: the Job reported its bad input itself", async () => {
    const { launcher, events, lines } = make("bad-input", `${note('"attempt"')} process.exit(2);`);
    await launcher.launch(runId("i"), shards(runId("i"), 1));
    await launcher.drain(5_000);
    expect(await lines()).toEqual(["attempt"]);
    expect(events).toEqual([]);
  });

  it("re-runs exit code 75 once, then reports shard.failed transient with the stderr tail", async () => {
    const { launcher, events, lines } = make(
      "transient",
      `${note('"attempt"')} console.error("data URL answered 503"); process.exit(75);`,
    );
    await launcher.launch(runId("j"), shards(runId("j"), 1));
    expect(launcher.stats()).toMatchObject({ running: 1, queued: 0 });
    await launcher.drain(5_000);
    expect(await lines()).toEqual(["attempt", "attempt"]);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ code: "transient", exitCode: 75 });
    expect((events[0].data as { reason: string }).reason).toMatch(
      /exit code 75 after 2 attempts.*data URL answered 503/,
    );
  });

  it("on cancel drops queued shards, kills running ones and publishes nothing", async () => {
    const script = `${note('"started " + process.env.JOB_COMPLETION_INDEX')} setInterval(() => {}, 1000);`;
    const { launcher, events, lines } = make("cancel", script, {
      concurrency: 2,
      killGraceMs: 100,
    });
    await launcher.launch(runId("k"), shards(runId("k"), 4));
    await until(async () => (await lines()).length === 2);
    expect(launcher.stats()).toMatchObject({ running: 2, queued: 2 });
    await launcher.cancel(runId("k"));
    expect(launcher.stats().queued).toBe(0);
    expect(await launcher.drain(5_000)).toBe(true);
    expect((await lines()).sort()).toEqual(["started 0", "started 1"]);
    expect(events).toEqual([]);
    // A cancelled run cannot be launched again.
    await launcher.launch(runId("k"), shards(runId("k"), 1));
    expect(launcher.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it("drain resolves false when work is still running at the timeout", async () => {
    const { launcher } = make("drain", "setInterval(() => {}, 1000);", { killGraceMs: 100 });
    expect(await launcher.drain(10)).toBe(true);
    await launcher.launch(runId("l"), shards(runId("l"), 1));
    expect(await launcher.drain(50)).toBe(false);
    await launcher.cancel(runId("l"));
    expect(await launcher.drain(5_000)).toBe(true);
  });

  it("acts on the exit codes that backtest-job/main.ts uses", () => {
    expect(JOB_EXIT).toEqual({ ok: EXIT.ok, badInput: EXIT.badInput, transient: EXIT.transient });
  });
});

import type { CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import {
  PublishError,
  type Publisher,
  type ShardCompleted,
  type ShardFailed,
  shardCompleted,
  shardFailed,
  shardProgress,
} from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import { EXIT } from "./exit-codes.ts";
import { JOB_SOURCE, runJob } from "./run-job.ts";

const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const REQUEST = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 300, seed: 1 } },
};

/** Records what it is given; `fail` decides which events it refuses and how. */
function recorder(fail: (event: CloudEvent<unknown>) => unknown = () => undefined) {
  const events: CloudEvent<unknown>[] = [];
  const publisher: Publisher = {
    async publish(event) {
      const error = fail(event);
      if (error) throw error;
      events.push(event);
    },
  };
  return { events, publisher };
}

/** A Logger that keeps each line as an object, as platform/log.ts would print it. */
function capture(lines: Record<string, unknown>[], base: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, ...base, ...fields });
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => capture(lines, { ...base, ...fields }),
  };
}

function env(overrides: Record<string, string | undefined> = {}) {
  return {
    RUN_ID,
    JOB_COMPLETION_INDEX: "0",
    SHARD_COUNT: "1",
    K_SINK: "http://broker.invalid/",
    REQUEST: JSON.stringify(REQUEST),
    TRACEPARENT,
    PUBLISH_BACKOFF_MS: "0",
    ...overrides,
  };
}

async function run(
  overrides: Record<string, string | undefined> = {},
  fail?: (e: CloudEvent<unknown>) => unknown,
) {
  const { events, publisher } = recorder(fail);
  const logs: Record<string, unknown>[] = [];
  const code = await runJob(env(overrides), { connect: () => publisher, log: capture(logs) });
  return { code, events, logs };
}

const ofType = <T>(events: CloudEvent<unknown>[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.data as T);

describe("runJob", () => {
  it("publishes each shard's parts with deterministic ids; together they cover every combination once", async () => {
    const covered: number[] = [];
    for (const index of [0, 1]) {
      const { code, events, logs } = await run({
        JOB_COMPLETION_INDEX: String(index),
        SHARD_COUNT: "2",
      });
      expect(code).toBe(EXIT.ok);
      expect(events.map((e) => [e.id, e.source, e.type, e.traceparent])).toEqual([
        [`${RUN_ID}/${index}/0`, JOB_SOURCE, shardCompleted.type, TRACEPARENT],
      ]);
      const [part] = ofType<ShardCompleted>(events, shardCompleted.type);
      expect(part.shard).toEqual({ index, count: 2 });
      expect(part.best).toBeDefined();
      covered.push(...part.rows.map((r) => r[0]));
      expect(
        logs.every(
          (l) => l.runId === RUN_ID && l.shard === `${index}/2` && l.traceparent === TRACEPARENT,
        ),
      ).toBe(true);
    }
    expect(covered.sort()).toEqual([0, 1, 2, 3]);
  });

  it("sends one empty part when there are more shards than combinations", async () => {
    const { code, events } = await run({ JOB_COMPLETION_INDEX: "5", SHARD_COUNT: "6" });
    expect(code).toBe(EXIT.ok);
    const parts = ofType<ShardCompleted>(events, shardCompleted.type);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ rows: [], part: { index: 0, count: 1 } });
    expect(parts[0].best).toBeUndefined();
  });

  it.each([
    ["a REQUEST that is not JSON", { REQUEST: "{" }, /REQUEST: is not JSON/],
    ["an unknown strategy", { REQUEST: JSON.stringify({ ...REQUEST, strategy: "nope" }) }, /nope/],
    [
      "a grid the strategy refuses",
      { REQUEST: JSON.stringify({ ...REQUEST, params: { fast: 30, slow: 20 } }) },
      /grid/,
    ],
    [
      "missing data",
      { REQUEST: JSON.stringify({ ...REQUEST, data: { path: "nope.csv" } }) },
      /not found/,
    ],
  ])("reports %s as bad_input and exits 2", async (_name, overrides, reason) => {
    const { code, events } = await run(overrides);
    expect(code).toBe(EXIT.badInput);
    expect(events.map((e) => e.id)).toEqual([`${RUN_ID}/0/failed`]);
    const [failed] = ofType<ShardFailed>(events, shardFailed.type);
    expect(failed).toMatchObject({ code: "bad_input", exitCode: 2, shard: { index: 0, count: 1 } });
    expect(failed.reason).toMatch(reason);
  });

  it("exits 2 without publishing when it cannot tell who it is", async () => {
    const { code, events, logs } = await run({ RUN_ID: "nope" });
    expect(code).toBe(EXIT.badInput);
    expect(events).toEqual([]);
    expect(logs[0]).toMatchObject({ level: "error", message: "cannot start" });
  });

  it("exits 75 when the broker stays unreachable, after retrying", async () => {
    let tries = 0;
    const { code, logs } = await run({}, () => {
      tries++;
      return new PublishError("unreachable");
    });
    expect(code).toBe(EXIT.transient);
    expect(tries).toBe(4); // four tries for the part; a transient failure is not published
    expect(logs.at(-1)).toMatchObject({ message: "shard failed", code: "transient" });
  });

  it("leaves a transient failure to whoever re-runs the shard: exit 75, no shard.failed", async () => {
    const { code, events } = await run({}, (e) =>
      e.type === shardCompleted.type ? new PublishError("x", 503) : undefined,
    );
    expect(code).toBe(EXIT.transient);
    expect(ofType<ShardFailed>(events, shardFailed.type)).toEqual([]);
  });

  it("sends progress while sweeping, and a failed progress send is not fatal", async () => {
    // 29 x 30 = 870 combinations: the sweep reports after 512.
    const wide = JSON.stringify({
      ...REQUEST,
      params: { fast: { from: 2, to: 30, step: 1 }, slow: { from: 31, to: 60, step: 1 } },
    });
    const ok = await run({ REQUEST: wide, PROGRESS_INTERVAL_MS: "0" });
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.events[0]).toMatchObject({
      type: shardProgress.type,
      id: `${RUN_ID}/0/progress/512`,
    });
    expect(ok.events[0].data).toEqual({
      runId: RUN_ID,
      shard: { index: 0, count: 1 },
      done: 512,
      total: 870,
    });
    expect(ok.events.slice(1).every((e) => e.type === shardCompleted.type)).toBe(true);

    const failing = await run({ REQUEST: wide, PROGRESS_INTERVAL_MS: "0" }, (e) =>
      e.type === shardProgress.type ? new PublishError("down") : undefined,
    );
    expect(failing.code).toBe(EXIT.ok);
    expect(failing.logs.some((l) => l.message === "progress not sent")).toBe(true);
  });
});
